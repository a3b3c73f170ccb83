//! ectl: an etcd v3 command-line client, drop-in compatible with etcdctl.
//!
//! The binary (`src/main.rs`) parses arguments, starts a runtime and calls [`commands::run`]; everything
//! else lives here so integration tests and benchmarks can reach it.

// Only `main` (the bin) and `term` write to stdout/stderr on their own, and only
// `main` ends the process; everything else goes through the command's writer, `crate::term` or
// an error, as uv does (clippy.toml holds the stream functions to the same places).
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

pub mod app;
pub mod cli;
pub mod client;
pub mod commands;
pub mod contexts;
pub mod discovery;
pub mod dump;
pub mod error;
pub mod go;
pub mod http1;
#[cfg(test)]
mod import_graph;
pub mod k8s;
pub mod keys;
pub mod observe;
pub mod output;
pub mod paged;
pub mod pb;
pub mod settings;
pub mod storage;
pub mod term;
pub mod v2;
