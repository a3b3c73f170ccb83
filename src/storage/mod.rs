//! Offline files etcd writes, read and written without a server: the bbolt backend ([`bbolt`],
//! the [`DbStatus`] `snapshot status` reports of it), [`bbolt_write`] (a whole new database
//! written page by page, for offline defrag), [`bbolt_edit`] (the two in-place edits `backup`
//! makes), [`mvcc`] (etcd's keys read from its file, for `--db`), the write-ahead log, raft snapshots, and the v2 `backup` built from them; and
//! [`PartFile`], the guard of a file written beside the one it is to replace.

pub mod backup;
pub mod bbolt;
pub mod bbolt_edit;
pub mod bbolt_write;
pub mod mvcc;
pub mod snap;
pub mod wal;

pub use bbolt::DbStatus;

use std::path::{Path, PathBuf};

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
