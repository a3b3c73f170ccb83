//! `snapshot restore`: a new member data directory from a snapshot file, as etcd 3.4's
//! `clientv3/snapshot` Restore makes it:
//!
//! - `member/snap/db`: the snapshot without its SHA-256 trailer (checked unless
//!   `--skip-hash-check`), with the `consistent_index` in the `meta` bucket set to the number of
//!   members, so etcd does not look for a newer backend (patched in place: same 8 bytes). A
//!   backend without one goes to `member/snap/<index>.snap.db` instead, which etcd moves into
//!   place as the backend of the raft snapshot;
//! - `member/wal/0000000000000000-0000000000000000.wal`: the new cluster's metadata, one
//!   AddNode conf change per member (term 1), the hard state committing them, and a snapshot
//!   record at that index;
//! - `member/snap/<term>-<index>.snap`: a raft snapshot at that index whose data is the v2 store
//!   holding the new membership, which etcd 3.4 reads its members from.
//!
//! Member ids are etcd's: the first 8 bytes of the SHA-1 of the member's sorted peer URLs and
//! the cluster token; the cluster id hashes the sorted member ids.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::error::CliError;
use crate::go;
use crate::storage::snap::{self, ConfState, RaftSnapshot, SnapshotMetadata};
use crate::storage::wal::{
    ConfChange, ENTRY_CONF_CHANGE, FIRST_FILE, HardState, RaftEntry, ServerMetadata, WalSnapshot,
    WalWriter,
};
use crate::term::progress;

/// What `snapshot restore` was asked for.
#[derive(Debug, Clone)]
pub struct Plan {
    pub snapshot: PathBuf,
    pub name: String,
    pub data_dir: PathBuf,
    pub wal_dir: PathBuf,
    pub peer_urls: Vec<String>,
    pub initial_cluster: String,
    pub token: String,
    pub skip_hash_check: bool,
}

/// One member of the new cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    pub id: u64,
    pub name: String,
    pub peer_urls: Vec<String>,
}

/// etcd's member id: SHA-1 over the sorted peer URLs and the cluster token.
pub fn member_id(peer_urls: &[String], token: &str) -> u64 {
    let mut urls = peer_urls.to_vec();
    urls.sort();
    let mut h = Sha1::new();
    for u in &urls {
        h.update(u.as_bytes());
    }
    h.update(token.as_bytes());
    u64::from_be_bytes(h.finalize()[..8].try_into().expect("8 bytes"))
}

/// etcd's cluster id: SHA-1 over the sorted member ids, big-endian.
pub fn cluster_id(ids: &[u64]) -> u64 {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    let mut h = Sha1::new();
    for id in ids {
        h.update(id.to_be_bytes());
    }
    u64::from_be_bytes(h.finalize()[..8].try_into().expect("8 bytes"))
}

/// etcd's `advertiseMatchesCluster`, in its wording: this member's URLs in --initial-cluster
/// (`own`) must be its --initial-advertise-peer-urls (`advertised`). They are compared as
/// written: etcd 3.4's restore refuses `http://127.0.0.1:2380` for `http://localhost:2380` too.
fn advertise_matches_cluster(
    name: &str,
    own: &[String],
    advertised: &[String],
) -> Result<(), CliError> {
    let (mut own, mut advertised) = (own.to_vec(), advertised.to_vec());
    own.sort();
    advertised.sort();
    if own == advertised {
        return Ok(());
    }
    let quoted = |urls: &[String]| {
        let items: Vec<String> = urls.iter().map(|u| go::quote(u.as_bytes())).collect();
        format!("[{}]", items.join(" "))
    };
    // netutil.URLStringsEqual's error.
    let cause = if own.len() != advertised.len() {
        format!("len({}) != len({})", quoted(&advertised), quoted(&own))
    } else {
        let (a, b) = advertised
            .iter()
            .zip(&own)
            .find(|(a, b)| a != b)
            .expect("sorted lists of one length that differ differ somewhere");
        format!(
            "resolved urls: {} != {}",
            go::quote(a.as_bytes()),
            go::quote(b.as_bytes())
        )
    };
    let missing: Vec<String> = own
        .iter()
        .filter(|u| !advertised.contains(u))
        .map(|u| format!("{name}={u}"))
        .collect();
    if !missing.is_empty() {
        return Err(CliError::error(format!(
            "--initial-cluster has {} but missing from --initial-advertise-peer-urls={} ({cause})",
            missing.join(","),
            advertised.join(",")
        )));
    }
    let extra: Vec<&str> = advertised
        .iter()
        .filter(|u| !own.contains(u))
        .map(String::as_str)
        .collect();
    let as_map = |urls: &[String]| {
        let pairs: Vec<String> = urls.iter().map(|u| format!("{name}={u}")).collect();
        pairs.join(",")
    };
    if extra.is_empty() {
        // The same URLs, one repeated: etcd's last answer (which names the advertised ones).
        return Err(CliError::error(format!(
            "failed to resolve {} to match --initial-cluster={} ({cause})",
            advertised.join(","),
            as_map(&advertised)
        )));
    }
    Err(CliError::error(format!(
        "--initial-advertise-peer-urls has {} but missing from --initial-cluster={}",
        extra.join(","),
        as_map(&advertised)
    )))
}

/// `name=url,name=url2,other=url3` into members sorted by id, checked as etcd's
/// `VerifyBootstrap` checks them against this member's name and peer URLs.
pub fn members(plan: &Plan) -> Result<Vec<NewMember>, CliError> {
    let mut urls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for part in plan.initial_cluster.split(',').filter(|p| !p.is_empty()) {
        let Some((name, url)) = part.split_once('=') else {
            return Err(CliError::error(format!(
                "{:?} is not a valid name=URL pair in --initial-cluster",
                part
            )));
        };
        if !url.starts_with("http://") && !url.starts_with("https://") {
            return Err(CliError::error(format!(
                "URL scheme must be http, https, unix, or unixs: {url}"
            )));
        }
        urls.entry(name.to_string())
            .or_default()
            .push(url.to_string());
    }
    let mut all_urls: Vec<&String> = urls.values().flatten().collect();
    all_urls.sort();
    if all_urls.windows(2).any(|w| w[0] == w[1]) {
        return Err(CliError::error(
            "--initial-cluster has duplicate url (each member needs its own peer URL)",
        ));
    }
    let Some(own) = urls.get(&plan.name) else {
        return Err(CliError::error(format!(
            "couldn't find local name {} in the initial cluster configuration",
            go::quote(plan.name.as_bytes())
        )));
    };
    advertise_matches_cluster(&plan.name, own, &plan.peer_urls)?;
    let mut members: Vec<NewMember> = urls
        .into_iter()
        .map(|(name, peer_urls)| NewMember {
            id: member_id(&peer_urls, &plan.token),
            name,
            peer_urls,
        })
        .collect();
    members.sort_by_key(|m| m.id);
    Ok(members)
}

/// The v2 store etcd 3.4 recovers its membership from: `/0/members/<id>/raftAttributes` for
/// each member (created in id order, one store index each), and the empty `/1` directory.
fn v2_store(members: &[NewMember]) -> String {
    fn node(path: &str, index: usize, value: Option<&str>, children: &str) -> String {
        let (value, children) = match value {
            Some(v) => (go::json_string(v.as_bytes()), "null".to_string()),
            None => ("\"\"".to_string(), format!("{{{children}}}")),
        };
        format!(
            "{{\"Path\":{},\"CreatedIndex\":{index},\"ModifiedIndex\":{index},\"ExpireTime\":\"0001-01-01T00:00:00Z\",\"Value\":{value},\"Children\":{children}}}",
            go::json_string(path.as_bytes())
        )
    }
    let member_nodes: Vec<String> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let dir = format!("/0/members/{:x}", m.id);
            let attrs = format!("{{\"peerURLs\":{}}}", go::json_strings(&m.peer_urls));
            let leaf = node(&format!("{dir}/raftAttributes"), i + 1, Some(&attrs), "");
            format!(
                "\"{:x}\":{}",
                m.id,
                node(&dir, i + 1, None, &format!("\"raftAttributes\":{leaf}"))
            )
        })
        .collect();
    let members_dir = node("/0/members", 1, None, &member_nodes.join(","));
    let zero = node("/0", 0, None, &format!("\"members\":{members_dir}"));
    let one = node("/1", 0, None, "");
    format!(
        "{{\"Root\":{},\"CurrentIndex\":{},\"CurrentVersion\":2}}",
        node("/", 0, None, &format!("\"0\":{zero},\"1\":{one}")),
        members.len()
    )
}

fn create_dir(path: &Path) -> anyhow::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|e| anyhow::anyhow!(go::path_error("mkdir", path, &e)))
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| anyhow::anyhow!(go::path_error("open", path, &e)))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Copies the snapshot to `db`, drops and checks its SHA-256 trailer.
fn save_db(plan: &Plan, db: &Path) -> anyhow::Result<()> {
    let mut src = File::open(&plan.snapshot)
        .map_err(|e| anyhow::anyhow!(go::path_error("open", &plan.snapshot, &e)))?;
    let size = src.metadata()?.len();
    let has_hash = size % 512 == 32;
    if !has_hash && !plan.skip_hash_check {
        anyhow::bail!("snapshot missing hash but --skip-hash-check=false");
    }
    let body = if has_hash { size - 32 } else { size };
    let mut dst = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(db)
        .map_err(|e| anyhow::anyhow!(go::path_error("open", db, &e)))?;
    let mut hasher = Sha256::new();
    let mut remaining = body;
    let mut chunk = vec![0u8; 1 << 20];
    let bar = progress::bytes(body);
    while remaining > 0 {
        let n = remaining.min(chunk.len() as u64) as usize;
        src.read_exact(&mut chunk[..n])?;
        hasher.update(&chunk[..n]);
        dst.write_all(&chunk[..n])?;
        remaining -= n as u64;
        if let Some(bar) = &bar {
            bar.set_position(body - remaining);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if has_hash && !plan.skip_hash_check {
        let mut expected = [0u8; 32];
        src.seek(SeekFrom::Start(body))?;
        src.read_exact(&mut expected)?;
        let got = hasher.finalize();
        if got.as_slice() != expected {
            anyhow::bail!(
                "expected sha256 {}, got {}",
                go::byte_slice(&expected),
                go::byte_slice(got.as_slice())
            );
        }
    }
    dst.sync_all()?;
    Ok(())
}

/// Sets `meta/consistent_index` to `index`, in place (the value keeps its 8 bytes). A backend
/// that never recorded one (a member that applied nothing) is left as it is: `false`.
fn set_consistent_index(db: &Path, index: u64) -> anyhow::Result<bool> {
    let reader = crate::storage::bbolt::Db::open(db)?;
    let Some((offset, len)) = reader.value_location(b"meta", b"consistent_index")? else {
        return Ok(false);
    };
    if len != 8 {
        anyhow::bail!("the snapshot's consistent_index is {len} bytes, not 8");
    }
    drop(reader);
    let f = OpenOptions::new().write(true).open(db)?;
    f.write_all_at(&index.to_be_bytes(), offset)?;
    f.sync_all()?;
    Ok(true)
}

/// Writes the member's data directory; returns the member's id and the cluster's, for the
/// summary a person reads.
pub fn restore(plan: &Plan) -> anyhow::Result<(u64, u64)> {
    let members = members(plan)?;
    if plan.data_dir.exists() {
        return Err(CliError::error(format!(
            "data-dir {:?} exists",
            plan.data_dir.display().to_string()
        ))
        .into());
    }
    if plan.wal_dir.exists() {
        return Err(CliError::error(format!(
            "wal-dir {:?} exists",
            plan.wal_dir.display().to_string()
        ))
        .into());
    }
    let own = members
        .iter()
        .find(|m| m.name == plan.name)
        .expect("members() checked the name");
    let ids: Vec<u64> = members.iter().map(|m| m.id).collect();
    let cid = cluster_id(&ids);
    let commit = members.len() as u64;
    let term = 1;

    let snap_dir = plan.data_dir.join("member").join("snap");
    create_dir(&snap_dir)?;
    let db = snap_dir.join("db");
    save_db(plan, &db)?;
    if !set_consistent_index(&db, commit)? {
        // Without a consistent index to raise, hand the backend over as the one that goes
        // with the raft snapshot: etcd moves `<index>.snap.db` into place when it starts.
        fs::rename(&db, snap_dir.join(format!("{commit:016x}.snap.db")))?;
    }

    // The WAL: metadata, an empty snapshot, the conf changes, their commit, the snapshot.
    let mut wal = WalWriter::create(&ServerMetadata {
        node_id: own.id,
        cluster_id: cid,
    });
    let entries: Vec<RaftEntry> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let context = format!(
                "{{\"id\":{},\"peerURLs\":{},\"name\":{}}}",
                m.id,
                go::json_strings(&m.peer_urls),
                go::json_string(m.name.as_bytes())
            );
            let change = ConfChange {
                id: 0,
                r#type: 0,
                node_id: m.id,
                context: context.into_bytes(),
            };
            RaftEntry {
                r#type: ENTRY_CONF_CHANGE,
                term,
                index: i as u64 + 1,
                data: prost::Message::encode_to_vec(&change),
            }
        })
        .collect();
    let state = HardState {
        term,
        vote: members[0].id,
        commit,
    };
    wal.save(&state, &entries);
    wal.snapshot(WalSnapshot {
        index: commit,
        term,
    });
    create_dir(&plan.wal_dir)?;
    write_file(&plan.wal_dir.join(FIRST_FILE), wal.bytes())?;

    let snapshot = RaftSnapshot {
        data: v2_store(&members).into_bytes(),
        metadata: Some(SnapshotMetadata {
            conf_state: Some(ConfState { voters: ids }),
            index: commit,
            term,
        }),
    };
    write_file(
        &snap_dir.join(snap::file_name(term, commit)),
        &snap::encode(&snapshot),
    )?;
    Ok((own.id, cid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(initial: &str, name: &str, peers: &str) -> Plan {
        Plan {
            snapshot: PathBuf::from("x.db"),
            name: name.into(),
            data_dir: PathBuf::from("x.etcd"),
            wal_dir: PathBuf::from("x.etcd/member/wal"),
            peer_urls: peers.split(',').map(str::to_string).collect(),
            initial_cluster: initial.into(),
            token: "etcd-cluster".into(),
            skip_hash_check: false,
        }
    }

    /// The ids etcd 3.4 gives the default one-member cluster (`etcd` with no flags reports
    /// member 8e9e05c52164694d in cluster cdf818194e3a8c32).
    #[test]
    fn ids_are_etcds() {
        let id = member_id(&["http://localhost:2380".into()], "etcd-cluster");
        assert_eq!(id, 0x8e9e05c52164694d);
        assert_eq!(cluster_id(&[id]), 0xcdf818194e3a8c32);
    }

    #[test]
    fn membership_json_escapes_as_go_does() {
        let m = NewMember {
            id: 1,
            name: "a<b".into(),
            peer_urls: vec!["http://h:1/?x&y".into()],
        };
        let store = v2_store(std::slice::from_ref(&m));
        assert!(
            store.contains(r#"\"peerURLs\":[\"http://h:1/?x\\u0026y\"]"#),
            "{store}"
        );
        assert!(!store.contains('&'), "{store}");
    }

    #[test]
    fn file_errors_read_as_gos() {
        let err = create_dir(Path::new("/proc/no/such/dir")).unwrap_err();
        assert!(!err.to_string().contains("os error"), "{err}");
        assert!(
            err.to_string().starts_with("mkdir /proc/no/such/dir: "),
            "{err}"
        );
    }

    #[test]
    fn initial_cluster_is_checked() {
        let ok = members(&plan("a=http://a:1,b=http://b:1", "a", "http://a:1")).unwrap();
        assert_eq!(ok.len(), 2);
        assert!(ok[0].id < ok[1].id);
        assert!(members(&plan("a=http://a:1", "b", "http://a:1")).is_err());
        assert!(members(&plan("a=http://a:1", "a", "http://a:2")).is_err());
        assert!(members(&plan("a=http://a:1,b=http://a:1", "a", "http://a:1")).is_err());
    }
}
