//! etcd's raft snapshot files (`member/snap/TERM-INDEX.snap`), as etcd 3.4's `snap` package
//! writes and loads them: a `snappb.Snapshot` (CRC-32C, data) whose data is a `raftpb.Snapshot`
//! (the v2 store as JSON, and the index, term and membership it was taken at).

use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

#[derive(Clone, PartialEq, Message)]
pub struct ConfState {
    #[prost(uint64, repeated, packed = "false", tag = "1")]
    pub voters: Vec<u64>,
}

#[derive(Clone, PartialEq, Message)]
pub struct SnapshotMetadata {
    #[prost(message, optional, tag = "1")]
    pub conf_state: Option<ConfState>,
    #[prost(uint64, tag = "2")]
    pub index: u64,
    #[prost(uint64, tag = "3")]
    pub term: u64,
}

/// raftpb.Snapshot.
#[derive(Clone, PartialEq, Message)]
pub struct RaftSnapshot {
    #[prost(bytes = "vec", tag = "1")]
    pub data: Vec<u8>,
    #[prost(message, optional, tag = "2")]
    pub metadata: Option<SnapshotMetadata>,
}

/// snappb.Snapshot: the file's contents.
#[derive(Clone, PartialEq, Message)]
struct SnapFile {
    #[prost(uint32, tag = "1")]
    crc: u32,
    #[prost(bytes = "vec", tag = "2")]
    data: Vec<u8>,
}

/// `snap` errors in etcd's words.
#[derive(Debug, thiserror::Error)]
pub enum SnapError {
    #[error("{0}")]
    Io(String),
    #[error("snap: no available snapshot")]
    NoSnapshot,
}

/// A snapshot file as loaded: its name, its bytes as they are on disk, and what they hold.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file_name: String,
    pub file_bytes: Vec<u8>,
    pub snapshot: RaftSnapshot,
}

impl Loaded {
    /// The snapshot's (index, term).
    pub fn position(&self) -> (u64, u64) {
        let m = self.snapshot.metadata.clone().unwrap_or_default();
        (m.index, m.term)
    }
}

/// The file name etcd gives the snapshot at `term` and `index`.
pub fn file_name(term: u64, index: u64) -> String {
    format!("{term:016x}-{index:016x}.snap")
}

/// The bytes of a snapshot file holding `snapshot`.
pub fn encode(snapshot: &RaftSnapshot) -> Vec<u8> {
    let data = snapshot.encode_to_vec();
    SnapFile {
        crc: crc32c::crc32c(&data),
        data,
    }
    .encode_to_vec()
}

/// The newest readable snapshot in `dir`, trying `*.snap` files from the highest name down as
/// etcd's `Snapshotter.Load` does; [`SnapError::NoSnapshot`] when none is usable. Unlike etcd,
/// an unreadable file is skipped but not renamed to `.broken`: the source is never changed.
pub fn load_newest(dir: &Path) -> Result<Loaded, SnapError> {
    let entries =
        fs::read_dir(dir).map_err(|e| SnapError::Io(crate::go::path_error("open", dir, &e)))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".snap"))
        .collect();
    names.sort_unstable_by(|a, b| b.cmp(a));
    names
        .into_iter()
        .find_map(|name| read(&dir.join(&name)).map(|(bytes, snapshot)| (name, bytes, snapshot)))
        .map(|(file_name, file_bytes, snapshot)| Loaded {
            file_name,
            file_bytes,
            snapshot,
        })
        .ok_or(SnapError::NoSnapshot)
}

/// One file, `None` when it is empty, corrupt or fails its crc.
fn read(path: &PathBuf) -> Option<(Vec<u8>, RaftSnapshot)> {
    let bytes = fs::read(path).ok()?;
    let file = SnapFile::decode(bytes.as_slice()).ok()?;
    if file.data.is_empty() || file.crc == 0 || crc32c::crc32c(&file.data) != file.crc {
        return None;
    }
    let snapshot = RaftSnapshot::decode(file.data.as_slice()).ok()?;
    Some((bytes, snapshot))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(index: u64) -> RaftSnapshot {
        RaftSnapshot {
            data: b"{}".to_vec(),
            metadata: Some(SnapshotMetadata {
                conf_state: Some(ConfState { voters: vec![1] }),
                index,
                term: 2,
            }),
        }
    }

    #[test]
    fn newest_readable_snapshot_wins() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            load_newest(dir.path()),
            Err(SnapError::NoSnapshot)
        ));
        for index in [3, 9] {
            fs::write(
                dir.path().join(file_name(2, index)),
                encode(&snapshot(index)),
            )
            .unwrap();
        }
        // The newest is corrupt (crc), so the one before it is used.
        let mut broken = encode(&snapshot(16));
        *broken.last_mut().unwrap() ^= 1;
        fs::write(dir.path().join(file_name(2, 16)), broken).unwrap();
        fs::write(dir.path().join("db"), b"not a snapshot").unwrap();
        let loaded = load_newest(dir.path()).unwrap();
        assert_eq!(loaded.file_name, "0000000000000002-0000000000000009.snap");
        assert_eq!(loaded.position(), (9, 2));
        assert_eq!(loaded.file_bytes, encode(&snapshot(9)));
        assert!(matches!(
            load_newest(&dir.path().join("missing")),
            Err(SnapError::Io(e)) if e.ends_with("no such file or directory")
        ));
    }
}
