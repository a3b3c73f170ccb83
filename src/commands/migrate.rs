//! `migrate`: etcdctl 3.4's offline move of a stopped member's v2 keys into its v3 backend,
//! through the default transformer or a user's program. The engine (the store's replay, the
//! listing, the backend's rewrite) is `crate::storage::migrate`; this module prints etcdctl's
//! lines and runs the transformer.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use clap::Args;
use prost::Message;

use crate::commands::prelude::NoArgs;
use crate::commands::process;
use crate::error::CliError;
use crate::go;
use crate::pb::mvccpb::KeyValue;
use crate::storage::migrate::{self, Backend, Extern};

/// Migrates keys in a v2 store to a mvcc store
///
/// Reads a stopped member's v2 store (its newest raft snapshot and the WAL after it) and writes
/// every v2 key under / into the member's v3 backend (member/snap/db), offline. The default
/// transformer makes each v2 file a v3 key of the same name (with its leading /), value,
/// create revision (createdIndex) and mod revision (modifiedIndex), version 1, no lease;
/// directories and hidden (_-prefixed) keys are left out.
///
/// A --transformer program reads the v2 nodes on stdin (etcd's JSON of each node, one after
/// another) and writes v3 keys on stdout (an 8-byte little-endian length, then an
/// mvccpb.KeyValue in protobuf, for each).
///
/// Example:
///   ectl migrate --data-dir=/var/lib/etcd
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct MigrateArgs {
    /// Do not convert TTL keys
    #[arg(long)]
    pub no_ttl: bool,
    /// Path to the data directory
    #[arg(long, default_value = "", value_hint = clap::ValueHint::DirPath)]
    pub data_dir: String,
    /// Path to the WAL directory
    #[arg(long, default_value = "", value_hint = clap::ValueHint::DirPath)]
    pub wal_dir: String,
    /// Path to the user-provided transformer program
    #[arg(long, default_value = "", value_hint = clap::ValueHint::ExecutablePath)]
    pub transformer: String,
    #[command(flatten)]
    pub rest: NoArgs,
}

/// Runs with no settings: etcdctl's `migrate` reads no global flag and talks to no server.
pub fn run(args: &MigrateArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let data_dir = PathBuf::from(&args.data_dir);
    let wal_dir = if args.wal_dir.is_empty() {
        data_dir.join("member").join("wal")
    } else {
        PathBuf::from(&args.wal_dir)
    };
    // etcdctl starts the transformer (or says it has none) before reading anything.
    let transformer = if args.transformer.is_empty() {
        writeln!(out, "using default transformer")?;
        None
    } else {
        Some(Transformer::start(OsStr::new(&args.transformer))?)
    };
    let result = migrate(&data_dir, &wal_dir, args.no_ttl, transformer, out);
    out.flush()?;
    result
}

fn migrate(
    data_dir: &Path,
    wal_dir: &Path,
    no_ttl: bool,
    mut transformer: Option<Transformer>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let failed = |e: &dyn std::fmt::Display| CliError::error(e);
    let prepared = migrate::rebuild(data_dir, wal_dir).and_then(|rebuilt| {
        let backend = Backend::lock(data_dir, |path| {
            crate::term::warn(format!(
                "waiting for etcd to close and release its lock on {}",
                go::quote(path.as_os_str().as_encoded_bytes())
            ))
        })?;
        Ok((rebuilt, backend))
    });
    let (rebuilt, backend) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            if let Some(t) = &mut transformer {
                t.stop();
            }
            return Err(failed(&e).into());
        }
    };
    let Some(nodes) = migrate::nodes(&rebuilt.store, now_nanos(), no_ttl) else {
        if let Some(t) = &mut transformer {
            t.stop();
        }
        writeln!(out, "no v2 keys to migrate")?;
        return Ok(());
    };
    let kvs = match transformer {
        None => nodes.iter().filter_map(migrate::default_kv).collect(),
        Some(t) => match t.transform(nodes) {
            Ok(kvs) => kvs,
            Err(message) => {
                writeln!(out, "failed to transform keys")?;
                return Err(CliError::error(message).into());
            }
        },
    };
    backend.write(&kvs, rebuilt.index).map_err(|e| failed(&e))?;
    writeln!(out, "finished transforming keys")?;
    Ok(())
}

fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// A user's transformer program: v2 nodes in on its stdin, v3 keys out on its stdout, its
/// stderr shared with ectl's.
struct Transformer {
    child: Child,
}

impl Transformer {
    /// Started as Go's `exec.Command(name).Start()`, with its words when that fails.
    fn start(name: &OsStr) -> Result<Transformer, CliError> {
        let path = process::look_path(name).map_err(CliError::error)?;
        let child = Command::new(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                CliError::error(format!(
                    "fork/exec {}: {}",
                    path.to_string_lossy(),
                    go::errno_text(&e)
                ))
            })?;
        Ok(Transformer { child })
    }

    /// Nothing to transform after all: the program is not waited for.
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Feeds `nodes` to the program while reading its keys, as etcdctl's two goroutines do; a
    /// frame that does not read ends the reading (etcdctl ignores that error), the program's
    /// failure is the error (Go's `ExitError` text).
    fn transform(mut self, nodes: Vec<Extern>) -> Result<Vec<KeyValue>, String> {
        let mut stdin = self.child.stdin.take().expect("stdin is piped");
        let feeder = std::thread::spawn(move || {
            for node in &nodes {
                if stdin.write_all(node.json().as_bytes()).is_err() {
                    break;
                }
            }
        });
        let mut stdout = self.child.stdout.take().expect("stdout is piped");
        let mut kvs = Vec::new();
        let mut length = [0u8; 8];
        while stdout.read_exact(&mut length).is_ok() {
            let Ok(len) = usize::try_from(i64::from_le_bytes(length)) else {
                break;
            };
            let mut frame = vec![0; len];
            if stdout.read_exact(&mut frame).is_err() {
                break;
            }
            match KeyValue::decode(frame.as_slice()) {
                Ok(kv) => kvs.push(kv),
                Err(_) => break,
            }
        }
        drop(stdout);
        let _ = feeder.join();
        let status = self
            .child
            .wait()
            .map_err(|e| format!("wait: {}", go::errno_text(&e)))?;
        match process::exit_failure(status) {
            Some(failure) => Err(failure.message),
            None => Ok(kvs),
        }
    }
}
