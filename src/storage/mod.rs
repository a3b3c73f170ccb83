//! Offline files etcd writes, read and written without a server: the bbolt backend ([`bbolt`],
//! the [`DbStatus`] `snapshot status` reports of it), [`bbolt_write`] (a whole new database
//! written page by page, for offline defrag), [`bbolt_edit`] (the two in-place edits `backup`
//! makes), [`mvcc`] (etcd's keys read from its file, for `--db`), the write-ahead log, raft
//! snapshots, the v2 `backup` built from them, and the v2 store replayed from them
//! ([`v2store`]); [`PartFile`], the guard of a file written beside the one it is to replace,
//! and [`lock_exclusive`], bbolt's lock on a database file.

pub mod backup;
pub mod bbolt;
pub mod bbolt_edit;
pub mod bbolt_write;
pub mod migrate;
pub mod mvcc;
pub mod snap;
pub mod v2store;
pub mod wal;

pub use bbolt::DbStatus;

use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// etcdctl says why it waits once bbolt's lock has not come within this.
const LOCK_PATIENCE: Duration = Duration::from_secs(1);
/// bbolt's own pause between attempts to take the lock.
const LOCK_RETRY: Duration = Duration::from_millis(50);

/// Takes bbolt's exclusive lock (`flock`) on a database file, waiting for whoever holds it (a
/// running etcd); `waiting` runs once when the lock has not come within a second, for the
/// command to say why it waits, as etcdctl does.
pub fn lock_exclusive(file: &File, waiting: impl FnOnce()) -> std::io::Result<()> {
    let started = Instant::now();
    let mut waiting = Some(waiting);
    loop {
        // SAFETY: flock on a descriptor borrowed for the call.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(err);
        }
        if started.elapsed() >= LOCK_PATIENCE
            && let Some(waiting) = waiting.take()
        {
            waiting();
        }
        std::thread::sleep(LOCK_RETRY);
    }
}

/// A file being written beside the one it is to replace (`snapshot save`'s `.part`, offline
/// defrag's copy): removed when dropped, unless [`PartFile::keep`] says it took its place, so
/// a failure or Ctrl-C at any point leaves no half-written file behind.
pub struct PartFile {
    path: PathBuf,
    kept: bool,
}

impl PartFile {
    pub fn new(path: PathBuf) -> PartFile {
        PartFile { path, kept: false }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file was renamed into place: it stays.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
