//! etcd's write-ahead log (`member/wal/*.wal`): the raft wire types it holds, a writer
//! (`snapshot restore`, `backup`) and a reader (`backup`), as etcd 3.4's `wal` package frames
//! them.
//!
//! Each record is a little-endian `i64` length (the padding count in its top byte, flagged by the
//! sign bit), a `walpb.Record` and zero padding to 8 bytes. Every record's crc chains CRC-32C
//! over the data of all records before it; each file starts with a crc record carrying the
//! previous file's last crc. A zero length (preallocated space) or the end of a file moves on to
//! the next file. Files are named `SEQ-INDEX.wal` (16 hex digits each), INDEX being the first
//! raft index the file may hold.

use std::fs;
use std::path::Path;

use prost::Message;

pub const METADATA_RECORD: i64 = 1;
pub const ENTRY_RECORD: i64 = 2;
pub const STATE_RECORD: i64 = 3;
pub const CRC_RECORD: i64 = 4;
pub const SNAPSHOT_RECORD: i64 = 5;
/// raftpb.EntryConfChange.
pub const ENTRY_CONF_CHANGE: i32 = 1;
/// etcd refuses records this large (`maxWALEntrySizeLimit`).
const MAX_RECORD: u64 = 10 * 1024 * 1024;
/// The sector size etcd's torn-write detection works in.
const SECTOR: u64 = 512;

#[derive(Clone, PartialEq, Message)]
pub struct WalRecord {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(uint32, tag = "2")]
    pub crc: u32,
    #[prost(bytes = "vec", tag = "3")]
    pub data: Vec<u8>,
}

/// walpb.Snapshot: the raft snapshot a WAL position corresponds to.
#[derive(Clone, Copy, PartialEq, Eq, Message)]
pub struct WalSnapshot {
    #[prost(uint64, tag = "1")]
    pub index: u64,
    #[prost(uint64, tag = "2")]
    pub term: u64,
}

/// etcdserverpb.Metadata: the WAL's metadata record.
#[derive(Clone, PartialEq, Message)]
pub struct ServerMetadata {
    #[prost(uint64, tag = "1")]
    pub node_id: u64,
    #[prost(uint64, tag = "2")]
    pub cluster_id: u64,
}

/// raftpb.Entry.
#[derive(Clone, PartialEq, Message)]
pub struct RaftEntry {
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    #[prost(uint64, tag = "2")]
    pub term: u64,
    #[prost(uint64, tag = "3")]
    pub index: u64,
    #[prost(bytes = "vec", tag = "4")]
    pub data: Vec<u8>,
}

/// raftpb.ConfChange.
#[derive(Clone, PartialEq, Message)]
pub struct ConfChange {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// 0: AddNode.
    #[prost(int32, tag = "2")]
    pub r#type: i32,
    #[prost(uint64, tag = "3")]
    pub node_id: u64,
    #[prost(bytes = "vec", tag = "4")]
    pub context: Vec<u8>,
}

/// raftpb.HardState.
#[derive(Clone, Copy, PartialEq, Eq, Message)]
pub struct HardState {
    #[prost(uint64, tag = "1")]
    pub term: u64,
    #[prost(uint64, tag = "2")]
    pub vote: u64,
    #[prost(uint64, tag = "3")]
    pub commit: u64,
}

impl HardState {
    fn is_empty(&self) -> bool {
        *self == HardState::default()
    }
}

/// A WAL being built in memory: records framed and crc-chained as etcd writes them.
#[derive(Default)]
pub struct WalWriter {
    buf: Vec<u8>,
    crc: u32,
}

impl WalWriter {
    /// A new log as etcd's `wal.Create` starts one: the crc record, the metadata and the empty
    /// snapshot record.
    pub fn create(metadata: &ServerMetadata) -> WalWriter {
        let mut w = WalWriter::default();
        w.record(CRC_RECORD, Vec::new());
        w.record(METADATA_RECORD, metadata.encode_to_vec());
        w.snapshot(WalSnapshot::default());
        w
    }

    pub fn record(&mut self, r#type: i64, data: Vec<u8>) {
        if r#type != CRC_RECORD {
            self.crc = crc32c::crc32c_append(self.crc, &data);
        }
        let bytes = WalRecord {
            r#type,
            crc: self.crc,
            data,
        }
        .encode_to_vec();
        let pad = (8 - bytes.len() % 8) % 8;
        let mut len = bytes.len() as u64;
        if pad != 0 {
            len |= (0x80 | pad as u64) << 56;
        }
        self.buf.extend_from_slice(&len.to_le_bytes());
        self.buf.extend_from_slice(&bytes);
        self.buf.extend(std::iter::repeat_n(0u8, pad));
    }

    pub fn entry(&mut self, entry: &RaftEntry) {
        self.record(ENTRY_RECORD, entry.encode_to_vec());
    }

    /// etcd's `Save`: the entries, then the hard state unless it is empty.
    pub fn save(&mut self, state: &HardState, entries: &[RaftEntry]) {
        for entry in entries {
            self.entry(entry);
        }
        if !state.is_empty() {
            self.record(STATE_RECORD, state.encode_to_vec());
        }
    }

    pub fn snapshot(&mut self, snapshot: WalSnapshot) {
        self.record(SNAPSHOT_RECORD, snapshot.encode_to_vec());
    }

    /// The framed bytes of the first file, `0000000000000000-0000000000000000.wal`.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// The first file's name in a new WAL directory.
pub const FIRST_FILE: &str = "0000000000000000-0000000000000000.wal";

/// etcd's `wal` errors, in its words.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    #[error("{0}")]
    Io(String),
    #[error("wal: file not found")]
    FileNotFound,
    #[error("wal: crc mismatch")]
    CrcMismatch,
    #[error("wal: snapshot mismatch")]
    SnapshotMismatch,
    #[error("wal: conflicting metadata found")]
    MetadataConflict,
    #[error("wal: slice bounds out of range")]
    SliceOutOfRange,
    #[error("wal: max entry size limit exceeded")]
    RecordTooLarge,
    #[error("unexpected block type {0}")]
    UnknownRecord(i64),
    #[error("proto: {0}")]
    Decode(String),
}

/// What a WAL holds from a snapshot on, as etcd's `ReadAll` returns it.
#[derive(Debug, Clone, Default)]
pub struct WalContents {
    /// The metadata record's bytes (an `etcdserverpb.Metadata`).
    pub metadata: Vec<u8>,
    /// The last hard state recorded.
    pub state: HardState,
    /// Entries after the snapshot's index, later writes of an index replacing earlier ones.
    pub entries: Vec<RaftEntry>,
    /// Whether a snapshot record matched the snapshot asked for (etcd's
    /// `ErrSnapshotNotFound` when it did not, which `backup` repairs).
    pub snapshot_found: bool,
}

/// Reads the WAL in `dir` from the file that holds `snap` on, as etcd's
/// `wal.OpenForRead(dir, snap)` + `ReadAll` does in read mode: a torn last record ends the log.
pub fn read_all(dir: &Path, snap: WalSnapshot) -> Result<WalContents, WalError> {
    let files = files_from(dir, snap.index)?;
    let mut out = WalContents::default();
    let mut metadata: Option<Vec<u8>> = None;
    let mut crc = 0u32;
    let last = files.len() - 1;
    for (n, file) in files.iter().enumerate() {
        let bytes =
            fs::read(file).map_err(|e| WalError::Io(crate::go::path_error("open", file, &e)))?;
        let mut at = 0u64;
        while let Some(record) = next_record(&bytes, &mut at, n == last, &mut crc)? {
            match record.r#type {
                ENTRY_RECORD => {
                    let entry = decode::<RaftEntry>(&record.data)?;
                    if entry.index > snap.index {
                        let up = (entry.index - snap.index - 1) as usize;
                        if up > out.entries.len() {
                            return Err(WalError::SliceOutOfRange);
                        }
                        out.entries.truncate(up);
                        out.entries.push(entry);
                    }
                }
                STATE_RECORD => out.state = decode(&record.data)?,
                METADATA_RECORD => {
                    if metadata.as_ref().is_some_and(|m| *m != record.data) {
                        return Err(WalError::MetadataConflict);
                    }
                    metadata = Some(record.data);
                }
                CRC_RECORD => {
                    if crc != 0 && record.crc != crc {
                        return Err(WalError::CrcMismatch);
                    }
                    crc = record.crc;
                }
                SNAPSHOT_RECORD => {
                    let found = decode::<WalSnapshot>(&record.data)?;
                    if found.index == snap.index {
                        if found.term != snap.term {
                            return Err(WalError::SnapshotMismatch);
                        }
                        out.snapshot_found = true;
                    }
                }
                other => return Err(WalError::UnknownRecord(other)),
            }
        }
    }
    out.metadata = metadata.unwrap_or_default();
    Ok(out)
}

fn decode<M: Message + Default>(data: &[u8]) -> Result<M, WalError> {
    M::decode(data).map_err(|e| WalError::Decode(e.to_string()))
}

/// The record at `*at` in one file, `None` at its end (or at preallocated zeros, or at a torn
/// write in the last file). Checks and advances the crc chain for all but crc records.
fn next_record(
    file: &[u8],
    at: &mut u64,
    last_file: bool,
    crc: &mut u32,
) -> Result<Option<WalRecord>, WalError> {
    let start = *at as usize;
    let Some(len) = file.get(start..start + 8) else {
        // Fewer than 8 bytes left: the end, or a torn length in the last file.
        return if start == file.len() || last_file {
            Ok(None)
        } else {
            Err(WalError::Io("unexpected EOF".into()))
        };
    };
    let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
    if len == 0 {
        return Ok(None);
    }
    let rec_bytes = len & 0x00FF_FFFF_FFFF_FFFF;
    let pad = if len >> 63 == 1 { (len >> 56) & 0x7 } else { 0 };
    if rec_bytes >= MAX_RECORD - pad {
        return Err(WalError::RecordTooLarge);
    }
    let body_start = start + 8;
    let body_end = body_start + (rec_bytes + pad) as usize;
    let Some(frame) = file.get(body_start..body_end) else {
        return if last_file {
            Ok(None)
        } else {
            Err(WalError::Io("unexpected EOF".into()))
        };
    };
    let torn = || last_file && has_zero_sector(frame, body_start as u64);
    let record = match WalRecord::decode(&frame[..rec_bytes as usize]) {
        Ok(record) => record,
        Err(_) if torn() => return Ok(None),
        Err(e) => return Err(WalError::Decode(e.to_string())),
    };
    if record.r#type != CRC_RECORD {
        let chained = crc32c::crc32c_append(*crc, &record.data);
        if chained != record.crc {
            return if torn() {
                Ok(None)
            } else {
                Err(WalError::CrcMismatch)
            };
        }
        *crc = chained;
    }
    *at = body_end as u64;
    Ok(Some(record))
}

/// etcd's torn-write test: some sector-aligned piece of the frame is all zeros.
fn has_zero_sector(frame: &[u8], file_offset: u64) -> bool {
    let mut offset = file_offset;
    let mut rest = frame;
    while !rest.is_empty() {
        let take = ((SECTOR - offset % SECTOR) as usize).min(rest.len());
        let (chunk, tail) = rest.split_at(take);
        if chunk.iter().all(|&b| b == 0) {
            return true;
        }
        offset += take as u64;
        rest = tail;
    }
    false
}

/// The WAL files from the last one whose first index is at most `index`, which must have
/// consecutive sequence numbers (etcd's `searchIndex` and `isValidSeq`).
fn files_from(dir: &Path, index: u64) -> Result<Vec<std::path::PathBuf>, WalError> {
    let entries =
        fs::read_dir(dir).map_err(|e| WalError::Io(crate::go::path_error("open", dir, &e)))?;
    let mut names: Vec<(u64, u64, String)> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| {
            let (seq, first) = parse_name(&name)?;
            Some((seq, first, name))
        })
        .collect();
    names.sort_by(|a, b| a.2.cmp(&b.2));
    let start = names
        .iter()
        .rposition(|(_, first, _)| *first <= index)
        .ok_or(WalError::FileNotFound)?;
    let names = &names[start..];
    if names.windows(2).any(|w| w[1].0 != w[0].0 + 1) {
        return Err(WalError::FileNotFound);
    }
    Ok(names.iter().map(|(_, _, name)| dir.join(name)).collect())
}

/// `SEQ-INDEX.wal` in hex.
fn parse_name(name: &str) -> Option<(u64, u64)> {
    let (seq, index) = name.strip_suffix(".wal")?.split_once('-')?;
    Some((
        u64::from_str_radix(seq, 16).ok()?,
        u64::from_str_radix(index, 16).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: u64, data: &[u8]) -> RaftEntry {
        RaftEntry {
            r#type: 0,
            term: 1,
            index,
            data: data.to_vec(),
        }
    }

    #[test]
    fn records_are_framed_and_chained() {
        let mut w = WalWriter::default();
        w.record(CRC_RECORD, Vec::new());
        w.record(METADATA_RECORD, vec![1, 2, 3]);
        assert_eq!(w.buf.len() % 8, 0);
        let len = u64::from_le_bytes(w.buf[..8].try_into().unwrap());
        let record =
            WalRecord::decode(&w.buf[8..8 + (len & 0xff_ffff_ffff_ffff) as usize]).unwrap();
        assert_eq!((record.r#type, record.crc), (CRC_RECORD, 0));
        assert_eq!(w.crc, crc32c::crc32c(&[1, 2, 3]));
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) {
        fs::write(dir.join(name), bytes).unwrap();
    }

    #[test]
    fn reads_back_what_it_writes() {
        let dir = tempfile::tempdir().unwrap();
        let metadata = ServerMetadata {
            node_id: 7,
            cluster_id: 9,
        };
        let mut w = WalWriter::create(&metadata);
        let state = HardState {
            term: 1,
            vote: 7,
            commit: 3,
        };
        // Index 3 written twice: the later write replaces it and what followed.
        w.save(
            &state,
            &[
                entry(1, b"a"),
                entry(2, b"b"),
                entry(3, b"c"),
                entry(4, b"d"),
            ],
        );
        w.save(&state, &[entry(3, b"C")]);
        w.snapshot(WalSnapshot { index: 1, term: 1 });
        let mut bytes = w.bytes().to_vec();
        // Preallocated zeros after the last record end the log.
        bytes.extend([0u8; 64]);
        write(dir.path(), FIRST_FILE, &bytes);

        let all = read_all(dir.path(), WalSnapshot::default()).unwrap();
        assert_eq!(all.metadata, metadata.encode_to_vec());
        assert_eq!(all.state, state);
        let data: Vec<&[u8]> = all.entries.iter().map(|e| e.data.as_slice()).collect();
        assert_eq!(data, [b"a", b"b", b"C"]);
        assert!(all.snapshot_found);

        let from_one = read_all(dir.path(), WalSnapshot { index: 1, term: 1 }).unwrap();
        assert_eq!(from_one.entries.len(), 2);
        assert!(from_one.snapshot_found);
        assert!(matches!(
            read_all(dir.path(), WalSnapshot { index: 1, term: 2 }),
            Err(WalError::SnapshotMismatch)
        ));
        assert!(
            !read_all(dir.path(), WalSnapshot { index: 2, term: 1 })
                .unwrap()
                .snapshot_found
        );
    }

    #[test]
    fn corruption_is_an_error_and_a_torn_tail_an_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = WalWriter::create(&ServerMetadata::default());
        w.entry(&entry(1, b"one"));
        let good = w.bytes().len();
        w.entry(&entry(2, &[b'x'; 600]));
        let mut bytes = w.bytes().to_vec();
        // A flipped byte inside the first entry's data breaks the chain.
        let mut flipped = bytes.clone();
        let one = bytes.windows(3).position(|w| w == b"one").unwrap();
        flipped[one] ^= 0xff;
        write(dir.path(), FIRST_FILE, &flipped);
        assert!(matches!(
            read_all(dir.path(), WalSnapshot::default()),
            Err(WalError::CrcMismatch)
        ));
        // The last record half-written (a zeroed sector): the log ends before it.
        let zero_from = (good as u64).div_ceil(SECTOR) * SECTOR;
        for b in &mut bytes[zero_from as usize..] {
            *b = 0;
        }
        write(dir.path(), FIRST_FILE, &bytes);
        let all = read_all(dir.path(), WalSnapshot::default()).unwrap();
        assert_eq!(all.entries.len(), 1);
    }

    #[test]
    fn the_crc_chain_runs_across_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = WalWriter::create(&ServerMetadata::default());
        first.entry(&entry(1, b"a"));
        write(dir.path(), FIRST_FILE, first.bytes());
        // etcd's cut: the next file opens with a crc record carrying the last crc.
        let second_file = |crc: u32| {
            let mut next = WalWriter {
                crc,
                ..WalWriter::default()
            };
            next.record(CRC_RECORD, Vec::new());
            next.record(METADATA_RECORD, ServerMetadata::default().encode_to_vec());
            next.entry(&entry(2, b"b"));
            write(
                dir.path(),
                "0000000000000001-0000000000000002.wal",
                next.bytes(),
            );
        };
        second_file(first.crc);
        let all = read_all(dir.path(), WalSnapshot::default()).unwrap();
        assert_eq!(all.entries.len(), 2);
        second_file(first.crc ^ 1);
        assert!(matches!(
            read_all(dir.path(), WalSnapshot::default()),
            Err(WalError::CrcMismatch)
        ));
    }

    #[test]
    fn files_follow_the_snapshot_index() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            FIRST_FILE,
            "0000000000000001-0000000000000010.wal",
            "junk.wal",
        ] {
            write(dir.path(), name, &[]);
        }
        let names = |index| -> Vec<String> {
            files_from(dir.path(), index)
                .unwrap()
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(names(5).len(), 2);
        assert_eq!(names(16), ["0000000000000001-0000000000000010.wal"]);
        write(dir.path(), "0000000000000003-0000000000000020.wal", &[]);
        assert!(matches!(
            files_from(dir.path(), 5),
            Err(WalError::FileNotFound)
        ));
    }
}
