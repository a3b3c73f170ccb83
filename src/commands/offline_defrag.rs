//! `defrag --data-dir`: compacts a stopped member's backend file in place, as etcdctl 3.4 does,
//! but crash-safe: the live file is copied into a fresh compact one beside it
//! ([`crate::storage::bbolt_write`]), which is synced and then renamed over the old one, and the
//! directory is synced. Until the rename etcd finds the old file intact; after it, the new one
//! complete.
//!
//! The file is locked as bbolt locks it (`flock`), so a running etcd (which holds the lock) is
//! waited for, with etcdctl's message, rather than defragmented under its feet.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::{CliError, ExitCode, Verbatim};
use crate::go;
use crate::storage::bbolt::{self, Db, Item};
use crate::storage::bbolt_write::{self, NEW_PAGE_SIZE};

pub fn run(data_dir: &str) -> anyhow::Result<()> {
    let db_path = Path::new(data_dir).join("member").join("snap").join("db");
    // bbolt creates a missing file (in an existing directory), as etcdctl's backend does.
    let locked = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&db_path)
        .map_err(|e| cannot_open(&db_path, &go::path_error("open", &db_path, &e)))?;
    lock(&locked, &db_path)?;
    let source = if locked.metadata()?.len() == 0 {
        None
    } else {
        Some(Db::open(&db_path).map_err(|e| match e {
            bbolt::Error::Io(cause) => cannot_open(&db_path, &cause),
            other => cannot_open(&db_path, &other.to_string()),
        })?)
    };
    defragment(&db_path, source.as_ref()).map_err(|e| {
        Verbatim {
            code: ExitCode::Error,
            message: format!("Failed to defragment etcd data[{data_dir}] ({e:#})"),
        }
        .into()
    })
}

/// etcdctl dies in its backend's panic (Go's exit status 2) when the file cannot be opened.
fn cannot_open(path: &Path, cause: &str) -> anyhow::Error {
    CliError::new(
        ExitCode::BadConnection,
        format!("cannot open database at {} ({cause})", path.display()),
    )
    .into()
}

/// Takes bbolt's exclusive lock, waiting for whoever holds it.
fn lock(file: &File, path: &Path) -> anyhow::Result<()> {
    crate::storage::lock_exclusive(file, || {
        crate::term::warn(format!(
            "waiting for etcd to close and release its lock on {}. To defrag a running etcd instance, omit --data-dir.",
            go::quote(path.as_os_str().as_encoded_bytes())
        ))
    })
    .map_err(|e| cannot_open(path, &e.to_string()))
}

/// Copies `source` (nothing: a new, empty file) into a fresh file beside `db_path` and
/// renames that over it.
fn defragment(db_path: &Path, source: Option<&Db>) -> anyhow::Result<()> {
    let page_size = source.map_or(NEW_PAGE_SIZE, Db::page_size);
    bbolt_write::replace(db_path, page_size, |writer| match source {
        None => Ok(()),
        Some(db) => db.for_each(&mut |item| {
            match item {
                Item::Bucket { name, sequence } => writer.bucket(name, sequence),
                Item::Pair { key, value } => writer.put(key, value),
            }
            .map_err(|e| bbolt::Error::Io(e.to_string()))
        }),
    })?;
    Ok(())
}
