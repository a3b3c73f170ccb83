//! ectl: an etcd v3 command-line client, drop-in compatible with etcdctl.
//!
//! The binary (`src/main.rs`) parses arguments, starts a runtime and calls [`commands::run`]; everything
//! else lives here so integration tests and benchmarks can reach it.

pub mod cli;
pub mod client;
pub mod commands;
pub mod error;
pub mod go;
pub mod keys;
pub mod observe;
pub mod output;
pub mod pb;
pub mod settings;
pub mod storage;
