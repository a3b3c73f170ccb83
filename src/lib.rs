//! ectl: an etcd v3 command-line client, drop-in compatible with etcdctl.
//!
//! The binary (`src/main.rs`) parses arguments, starts a runtime and calls [`app::run`]; everything
//! else lives here so integration tests and benchmarks can reach it.

pub mod app;
pub mod bbolt;
pub mod cli;
pub mod client;
pub mod commands;
pub mod dump;
pub mod error;
pub mod observe;
pub mod output;
pub mod pb;
