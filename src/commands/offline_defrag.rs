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
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{CliError, ExitCode, Verbatim};
use crate::go;
use crate::storage::PartFile;
use crate::storage::bbolt::{self, Db, Item};
use crate::storage::bbolt_write::Writer;

/// etcdctl says why it waits once the lock has not come within this.
const LOCK_PATIENCE: Duration = Duration::from_secs(1);
/// bbolt's own pause between attempts to take the lock.
const LOCK_RETRY: Duration = Duration::from_millis(50);
/// The page size bbolt gives a new file on Linux.
const NEW_PAGE_SIZE: u32 = 4096;

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
    let started = Instant::now();
    let mut told = false;
    loop {
        // SAFETY: flock on a descriptor this function borrows for the call.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(cannot_open(path, &err.to_string()));
        }
        if !told && started.elapsed() >= LOCK_PATIENCE {
            told = true;
            crate::term::warn(format!(
                "waiting for etcd to close and release its lock on {}. To defrag a running etcd instance, omit --data-dir.",
                go::quote(path.as_os_str().as_encoded_bytes())
            ));
        }
        std::thread::sleep(LOCK_RETRY);
    }
}

/// Copies `source` (nothing: a new, empty file) into a fresh file beside `db_path` and
/// renames that over it.
fn defragment(db_path: &Path, source: Option<&Db>) -> anyhow::Result<()> {
    let dir = db_path.parent().unwrap_or(Path::new("."));
    let tmp = PartFile::new(dir.join(format!("db.tmp.ectl-{}", std::process::id())));
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp.path())
        .map_err(|e| anyhow::anyhow!(go::path_error("open", tmp.path(), &e)))?;
    match source {
        None => drop(Writer::new(out, NEW_PAGE_SIZE)?.finish()?),
        Some(db) => {
            let mut writer = Writer::new(out, db.page_size())?;
            db.for_each(&mut |item| {
                match item {
                    Item::Bucket { name, sequence } => writer.bucket(name, sequence),
                    Item::Pair { key, value } => writer.put(key, value),
                }
                .map_err(|e| bbolt::Error::Io(e.to_string()))
            })?;
            writer.finish()?;
        }
    }
    std::fs::rename(tmp.path(), db_path).map_err(|e| {
        anyhow::anyhow!("rename {} {}: {e}", tmp.path().display(), db_path.display())
    })?;
    tmp.keep();
    File::open(dir)?.sync_all()?;
    Ok(())
}
