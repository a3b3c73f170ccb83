//! The engine of the v2 `backup` command: a copy of a stopped member's data directory that a
//! new etcd can start from with `--force-new-cluster`, as etcdctl 3.4.23's `backup` makes it.
//!
//! - `member/snap/`: the newest usable raft snapshot (v2 store), copied as it is;
//! - `member/wal/`: a new WAL with a new node and cluster id, holding the source WAL's entries
//!   after that snapshot, minus conf changes, v2 member-attribute updates and (without
//!   `--with-v3`) v3 requests, renumbered to close the gaps, with the hard state's commit moved
//!   back by as many entries;
//! - `member/snap/db`: with `--with-v3`, the v3 backend minus its `members`, `members_removed`
//!   and `cluster` buckets; without it, a new backend whose `meta/consistent_index` is that
//!   commit, so etcd replays nothing into it.
//!
//! The source is only read. The destination snap directory must be empty (or absent).

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use prost::Message;

use super::bbolt_edit;
use super::snap::{self, SnapError};
use super::wal::{
    self, ENTRY_CONF_CHANGE, RaftEntry, ServerMetadata, WalError, WalSnapshot, WalWriter,
};

/// etcdctl's `backup` flags.
#[derive(Debug, Clone, Default)]
pub struct BackupOptions {
    /// `--data-dir`: the member's data directory (holding `member/`).
    pub data_dir: PathBuf,
    /// `--wal-dir`; `None` (or empty) for `DATA_DIR/member/wal`.
    pub wal_dir: Option<PathBuf>,
    /// `--backup-dir`: where the backup's `member/` goes.
    pub backup_dir: PathBuf,
    /// `--backup-wal-dir`; `None` (or empty) for `BACKUP_DIR/member/wal`.
    pub backup_wal_dir: Option<PathBuf>,
    /// `--with-v3`: keep the v3 backend and the v3 requests in the WAL.
    pub with_v3: bool,
}

/// What happened on the way, for the command layer to print.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupReport {
    /// etcdctl's log lines, in order, without its timestamp prefix
    /// (`ignoring EntryConfChange raft entry`, ...).
    pub log: Vec<String>,
    /// The new member id and cluster id written to the WAL.
    pub node_id: u64,
    pub cluster_id: u64,
}

/// A failed backup, worded as etcdctl's fatal log line would be.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("failed creating backup snapshot dir {dir}: {reason}")]
    SnapDir { dir: String, reason: String },
    #[error(transparent)]
    Snap(#[from] SnapError),
    #[error(transparent)]
    Wal(#[from] WalError),
    #[error(transparent)]
    Db(#[from] bbolt_edit::Error),
    #[error("{0}")]
    Io(String),
    #[error("proto: {0}")]
    Decode(String),
}

/// etcdserverpb.InternalRaftRequest, only as far as `backup` and `migrate` look into it.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct InternalRaftRequest {
    #[prost(message, optional, tag = "100")]
    pub header: Option<Present>,
    #[prost(message, optional, tag = "2")]
    pub v2: Option<V2Request>,
}

/// A message whose presence is all that matters.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct Present {}

/// etcdserverpb.Request (a v2 request). Strings are bytes, because Go strings need not be
/// UTF-8 and etcd stores v2 keys as given. Every field is declared, even those nothing reads:
/// a bare request (what etcd 3.4's v2 API proposes) must fail to decode as an
/// `InternalRaftRequest`, as it does in Go, and only a field of the wrong wire type makes it.
#[derive(Clone, PartialEq, Message)]
pub(crate) struct V2Request {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(bytes = "vec", tag = "2")]
    pub method: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub path: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub val: Vec<u8>,
    #[prost(bool, tag = "5")]
    pub dir: bool,
    #[prost(bytes = "vec", tag = "6")]
    pub prev_value: Vec<u8>,
    #[prost(uint64, tag = "7")]
    pub prev_index: u64,
    #[prost(bool, optional, tag = "8")]
    pub prev_exist: Option<bool>,
    /// Nanoseconds since the epoch; 0 is none.
    #[prost(int64, tag = "9")]
    pub expiration: i64,
    #[prost(bool, tag = "10")]
    pub wait: bool,
    #[prost(uint64, tag = "11")]
    pub since: u64,
    #[prost(bool, tag = "12")]
    pub recursive: bool,
    #[prost(bool, tag = "13")]
    pub sorted: bool,
    #[prost(bool, tag = "14")]
    pub quorum: bool,
    /// A SYNC's clock, in nanoseconds since the epoch.
    #[prost(int64, tag = "15")]
    pub time: i64,
    #[prost(bool, tag = "16")]
    pub stream: bool,
    #[prost(bool, optional, tag = "17")]
    pub refresh: Option<bool>,
}

/// What a raft entry that is not a conf change holds: a v2 request (`None` for a v3 one) and
/// whether it came as an `InternalRaftRequest` with a header, as etcd's `MaybeUnmarshal` reads
/// it: entries written before `InternalRaftRequest` are bare v2 requests.
pub(crate) fn entry_request(data: &[u8]) -> Result<(Option<V2Request>, bool), prost::DecodeError> {
    match InternalRaftRequest::decode(data) {
        Ok(request) => Ok((request.v2, request.header.is_some())),
        Err(_) => Ok((Some(V2Request::decode(data)?), false)),
    }
}

/// Makes the backup described by `opts`. See the module documentation for what it holds.
pub fn backup(opts: &BackupOptions) -> Result<BackupReport, BackupError> {
    let src_snap = opts.data_dir.join("member").join("snap");
    let dest_snap = opts.backup_dir.join("member").join("snap");
    let src_wal = given(&opts.wal_dir).unwrap_or_else(|| opts.data_dir.join("member").join("wal"));
    let dest_wal =
        given(&opts.backup_wal_dir).unwrap_or_else(|| opts.backup_dir.join("member").join("wal"));
    let mut report = BackupReport::default();

    create_empty_dir(&dest_snap)?;
    let walsnap = save_snap(&src_snap, &dest_snap)?;
    let (state, entries) = load_wal(&src_wal, walsnap, opts.with_v3, &mut report)?;
    save_db(
        &dest_snap.join("db"),
        &src_snap.join("db"),
        state.commit,
        opts.with_v3,
    )?;

    let (node_id, cluster_id) = new_ids();
    // etcd's Metadata holds nothing but the two ids, so the source's is replaced whole.
    let metadata = ServerMetadata {
        node_id,
        cluster_id,
    };
    report.node_id = node_id;
    report.cluster_id = cluster_id;
    let mut writer = WalWriter::create(&metadata);
    writer.save(&state, &entries);
    writer.snapshot(walsnap);
    write_wal(&dest_wal, writer.bytes())?;
    Ok(report)
}

fn given(path: &Option<PathBuf>) -> Option<PathBuf> {
    path.clone().filter(|p| !p.as_os_str().is_empty())
}

fn io(what: &str, path: &Path, e: &std::io::Error) -> BackupError {
    BackupError::Io(crate::go::path_error(what, path, e))
}

/// etcd's `fileutil.CreateDirAll`: the directory (0700) and its parents, which must be empty.
fn create_empty_dir(dir: &Path) -> Result<(), BackupError> {
    let failed = |reason: String| BackupError::SnapDir {
        dir: dir.display().to_string(),
        reason,
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| failed(crate::go::path_error("mkdir", dir, &e)))?;
    let mut names: Vec<String> = fs::read_dir(dir)
        .map_err(|e| failed(crate::go::path_error("open", dir, &e)))?
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let quoted: Vec<String> = names
        .iter()
        .map(|n| crate::go::quote(n.as_bytes()))
        .collect();
    Err(failed(format!(
        "expected {} to be empty, got [{}]",
        crate::go::quote(dir.display().to_string().as_bytes()),
        quoted.join(" ")
    )))
}

/// Copies the newest snapshot, if there is one, and returns the WAL position it stands for.
fn save_snap(src: &Path, dest: &Path) -> Result<WalSnapshot, BackupError> {
    let loaded = match snap::load_newest(src) {
        Ok(loaded) => loaded,
        Err(SnapError::NoSnapshot) => return Ok(WalSnapshot::default()),
        Err(e) => return Err(e.into()),
    };
    let (index, term) = loaded.position();
    // etcd skips saving an empty snapshot (index 0).
    if index != 0 {
        let path = dest.join(snap::file_name(term, index));
        write_new(&path, &loaded.file_bytes, 0o644)?;
    }
    Ok(WalSnapshot { index, term })
}

/// The source WAL's hard state and the entries the backup keeps.
fn load_wal(
    dir: &Path,
    walsnap: WalSnapshot,
    with_v3: bool,
    report: &mut BackupReport,
) -> Result<(wal::HardState, Vec<RaftEntry>), BackupError> {
    let contents = wal::read_all(dir, walsnap)?;
    if !contents.snapshot_found {
        report.log.push(format!(
            // Go's %+v of walpb.Snapshot, gogo's extra field included.
            "Failed to find the match snapshot record {{Index:{} Term:{} XXX_unrecognized:[]}} in wal {}.",
            walsnap.index,
            walsnap.term,
            dir.display()
        ));
        report
            .log
            .push("etcdctl will add it back. Start auto fixing...".into());
    }
    let mut removed = 0u64;
    let mut kept = Vec::with_capacity(contents.entries.len());
    for mut entry in contents.entries {
        entry.index -= removed;
        let reason = drop_reason(&entry, with_v3)?;
        match reason {
            Some(line) => {
                report.log.push(line);
                removed += 1;
            }
            None => kept.push(entry),
        }
    }
    let mut state = contents.state;
    // Go's unsigned arithmetic.
    state.commit = state.commit.wrapping_sub(removed);
    // etcdctl refuses a WAL whose metadata does not decode.
    ServerMetadata::decode(contents.metadata.as_slice())
        .map_err(|e| BackupError::Decode(e.to_string()))?;
    Ok((state, kept))
}

/// Why etcdctl leaves `entry` out of a backup (its log line), or `None` to keep it.
fn drop_reason(entry: &RaftEntry, with_v3: bool) -> Result<Option<String>, BackupError> {
    if entry.r#type == ENTRY_CONF_CHANGE {
        return Ok(Some("ignoring EntryConfChange raft entry".into()));
    }
    let (v2, has_header) =
        entry_request(&entry.data).map_err(|e| BackupError::Decode(e.to_string()))?;
    if let Some(v2) = &v2 {
        let path = String::from_utf8_lossy(&v2.path);
        if v2.method == b"PUT" && is_member_attributes(&path) {
            return Ok(Some(format!("ignoring member attribute update on {path}")));
        }
        return Ok(None);
    }
    if with_v3 || !has_header {
        return Ok(None);
    }
    Ok(Some("ignoring v3 raft entry".into()))
}

/// etcdctl's unanchored `/0/members/[[:xdigit:]]{1,16}/attributes` match.
pub(crate) fn is_member_attributes(path: &str) -> bool {
    const PREFIX: &str = "/0/members/";
    path.match_indices(PREFIX).any(|(at, _)| {
        let rest = &path[at + PREFIX.len()..];
        let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        // The digits must follow the prefix and precede `/attributes`: a run of 17 fails.
        (1..=16).contains(&hex) && rest[hex..].starts_with("/attributes")
    })
}

/// etcdctl's `saveDB`.
fn save_db(dest: &Path, src: &Path, commit: u64, with_v3: bool) -> Result<(), BackupError> {
    if with_v3 {
        let bytes = fs::read(src).map_err(|e| io("open", src, &e))?;
        write_new(dest, &bytes, 0o644)?;
        // Membership would fight --force-new-cluster's.
        bbolt_edit::drop_buckets(dest, &[b"members", b"members_removed", b"cluster"])?;
    } else {
        bbolt_edit::create(dest, b"meta", b"consistent_index", &commit.to_be_bytes())?;
    }
    Ok(())
}

/// A new member and cluster id as etcd's `idutil.NewGenerator(0, now)` hands out its first two:
/// the low 40 bits of the time in milliseconds, shifted by 8, plus a counter.
fn new_ids() -> (u64, u64) {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let base = (millis & ((1 << 40) - 1)) << 8;
    (base + 1, base + 2)
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), BackupError> {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| io("open", path, &e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| io("write", path, &e))
}

/// etcd's `wal.Create`: refused when `dir` already holds `.wal` files; otherwise written as
/// `DIR.tmp` and renamed over `dir`, so a failed backup never leaves a half-written WAL under
/// the real name.
fn write_wal(dir: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let holds_wal = fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().ends_with(".wal"))
    });
    if holds_wal {
        // Go's os.ErrExist, which etcdctl prints bare.
        return Err(BackupError::Io("file already exists".into()));
    }
    let tmp = PathBuf::from(format!("{}.tmp", dir.display()));
    for stale in [&tmp, &dir.to_path_buf()] {
        if stale.exists() {
            fs::remove_dir_all(stale).map_err(|e| io("remove", stale, &e))?;
        }
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&tmp)
        .map_err(|e| io("mkdir", &tmp, &e))?;
    write_new(&tmp.join(wal::FIRST_FILE), bytes, 0o600)?;
    fs::rename(&tmp, dir).map_err(|e| io("rename", &tmp, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_attribute_paths() {
        assert!(is_member_attributes(
            "/0/members/8e9e05c52164694d/attributes"
        ));
        assert!(is_member_attributes("/x/0/members/1/attributes/y"));
        assert!(!is_member_attributes(
            "/0/members/8e9e05c52164694d/raftAttributes"
        ));
        assert!(!is_member_attributes(
            "/0/members/12345678901234567/attributes"
        ));
        assert!(!is_member_attributes("/0/members//attributes"));
        assert!(!is_member_attributes("/1/foo"));
    }

    fn entry(r#type: i32, data: Vec<u8>) -> RaftEntry {
        RaftEntry {
            r#type,
            term: 2,
            index: 1,
            data,
        }
    }

    #[test]
    fn entries_dropped_as_etcdctl_drops_them() {
        let v2 = |method: &str, path: &str| {
            InternalRaftRequest {
                header: None,
                v2: Some(V2Request {
                    method: method.into(),
                    path: path.into(),
                    ..V2Request::default()
                }),
            }
            .encode_to_vec()
        };
        let v3 = InternalRaftRequest {
            header: Some(Present {}),
            v2: None,
        }
        .encode_to_vec();
        let attrs = "/0/members/1/attributes";
        let reason = |e: RaftEntry, with_v3| drop_reason(&e, with_v3).unwrap();
        assert!(reason(entry(ENTRY_CONF_CHANGE, vec![]), true).is_some());
        assert_eq!(
            reason(entry(0, v2("PUT", attrs)), false).as_deref(),
            Some("ignoring member attribute update on /0/members/1/attributes")
        );
        assert_eq!(reason(entry(0, v2("DELETE", attrs)), false), None);
        assert_eq!(reason(entry(0, v2("PUT", "/1/k")), false), None);
        assert_eq!(
            reason(entry(0, v3.clone()), false).as_deref(),
            Some("ignoring v3 raft entry")
        );
        assert_eq!(reason(entry(0, v3), true), None);
        // A leader's empty entry is kept.
        assert_eq!(reason(entry(0, vec![]), false), None);
    }

    #[test]
    fn a_wal_dir_is_replaced_unless_it_holds_a_wal() {
        let dir = tempfile::tempdir().unwrap();
        let wal = dir.path().join("wal");
        fs::create_dir(&wal).unwrap();
        fs::write(wal.join("junk"), "").unwrap();
        write_wal(&wal, b"one").unwrap();
        assert!(!wal.join("junk").exists());
        assert_eq!(fs::read(wal.join(wal::FIRST_FILE)).unwrap(), b"one");
        let err = write_wal(&wal, b"two").unwrap_err();
        assert_eq!(err.to_string(), "file already exists");
    }

    #[test]
    fn the_backup_snap_dir_must_be_empty() {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("member/snap");
        create_empty_dir(&snap).unwrap();
        create_empty_dir(&snap).unwrap();
        fs::write(snap.join("b"), "").unwrap();
        fs::write(snap.join("a"), "").unwrap();
        let err = create_empty_dir(&snap).unwrap_err().to_string();
        assert!(
            err.ends_with(&format!(
                "expected \"{}\" to be empty, got [\"a\" \"b\"]",
                snap.display()
            )),
            "{err}"
        );
    }
}
