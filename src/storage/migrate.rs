//! The engine of etcdctl 3.4's `migrate`: a stopped member's v2 store, rebuilt from its newest
//! raft snapshot and the WAL after it ([`rebuild`]), listed as etcdctl lists it to its
//! transformer ([`nodes`]), turned into v3 keys by the default transformer ([`default_kv`]),
//! and written into the member's v3 backend with the WAL's last index as its consistent index
//! ([`Backend`]).
//!
//! The replay is etcdctl's: v2 requests through the v2 store's rules, conf changes through the
//! membership rules (which only move the store index, as `/0` is never migrated), and SYNC
//! requests expiring keys at the leader's clock of the time. The backend is rewritten whole
//! into a file beside it and renamed over it (as offline defrag does), so a failed migrate
//! leaves it as it was.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use prost::Message;

use super::backup::{V2Request, entry_request, is_member_attributes};
use super::bbolt::{self, Db, Item};
use super::bbolt_write::{self, NEW_PAGE_SIZE};
use super::snap::{self, SnapError};
use super::v2store::{Node, Refused, Store};
use super::wal::{self, ConfChange, ENTRY_CONF_CHANGE, WalError, WalSnapshot};
use crate::go;
use crate::pb::mvccpb::KeyValue;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(transparent)]
    Snap(#[from] SnapError),
    #[error(transparent)]
    Wal(#[from] WalError),
    #[error("wal: snapshot not found")]
    WalSnapshotNotFound,
    #[error(transparent)]
    Db(#[from] bbolt::Error),
    /// What etcdctl dies of (a Go panic there): a request or conf change etcd itself never
    /// writes.
    #[error("{0}")]
    Replay(String),
}

/// The store rebuilt from a data dir, and the raft index it holds everything up to.
pub struct Rebuilt {
    pub store: Store,
    pub index: u64,
}

/// etcdctl's `rebuildStoreV2`: the newest snapshot in `<data_dir>/member/snap` (if any), then
/// every WAL entry after it from `wal_dir`.
pub fn rebuild(data_dir: &Path, wal_dir: &Path) -> Result<Rebuilt, MigrateError> {
    let snap_dir = data_dir.join("member").join("snap");
    let (mut store, walsnap) = match snap::load_newest(&snap_dir) {
        Ok(loaded) => {
            let (index, term) = loaded.position();
            let store = recover(&loaded.snapshot.data)?;
            (store, WalSnapshot { index, term })
        }
        Err(SnapError::NoSnapshot) => (Store::default(), WalSnapshot::default()),
        Err(e) => return Err(e.into()),
    };
    let contents = wal::read_all(wal_dir, walsnap)?;
    if !contents.snapshot_found {
        return Err(MigrateError::WalSnapshotNotFound);
    }
    let mut index = walsnap.index;
    for entry in &contents.entries {
        if entry.r#type == ENTRY_CONF_CHANGE {
            let change = ConfChange::decode(entry.data.as_slice())
                .map_err(|e| MigrateError::Replay(format!("proto: {e}")))?;
            apply_conf(&mut store, &change)?;
        } else {
            let (request, _) = entry_request(&entry.data)
                .map_err(|e| MigrateError::Replay(format!("proto: {e}")))?;
            if let Some(request) = request {
                apply_request(&mut store, &request)?;
            }
        }
        index = index.max(entry.index);
    }
    Ok(Rebuilt { store, index })
}

/// The v2 store from a snapshot's data: the JSON of etcd's `store` (`Root`, `CurrentIndex`).
fn recover(data: &[u8]) -> Result<Store, MigrateError> {
    let bad = |what: &str| MigrateError::Replay(format!("the snapshot's v2 store: {what}"));
    let json: serde_json::Value =
        serde_json::from_slice(data).map_err(|e| bad(&go::json_error(&e)))?;
    let index = json["CurrentIndex"].as_u64().unwrap_or(0);
    let root = recover_node(&json["Root"]).ok_or_else(|| bad("a node does not read"))?;
    Ok(Store::with_root(root, index))
}

fn recover_node(json: &serde_json::Value) -> Option<Node> {
    let expire = match go::parse_rfc3339(json["ExpireTime"].as_str()?)? {
        // Go's zero time: a permanent node.
        (-62_135_596_800, 0) => None,
        (secs, nanos) => Some(secs.checked_mul(1_000_000_000)? + i64::from(nanos)),
    };
    let children = match &json["Children"] {
        serde_json::Value::Object(map) => Some(
            map.iter()
                .map(|(name, child)| Some((name.as_bytes().to_vec(), recover_node(child)?)))
                .collect::<Option<BTreeMap<_, _>>>()?,
        ),
        _ => None,
    };
    Some(Node {
        path: json["Path"].as_str()?.as_bytes().to_vec(),
        created: json["CreatedIndex"].as_u64()?,
        modified: json["ModifiedIndex"].as_u64()?,
        expire,
        children,
        value: json["Value"].as_str().unwrap_or("").as_bytes().to_vec(),
    })
}

/// etcd's `applierV2store` as `migrate` runs it (no backend, membership kept in the store).
fn apply_request(store: &mut Store, r: &V2Request) -> Result<(), MigrateError> {
    let expire = (r.expiration != 0).then_some(r.expiration);
    let refresh = r.refresh == Some(true);
    let compare = r.prev_index > 0 || !r.prev_value.is_empty();
    let swap = |store: &mut Store| {
        let expected = Some((r.prev_value.as_slice(), r.prev_index));
        store.update(&r.path, &r.val, expire, refresh, expected)
    };
    // A refused request changes nothing, in etcd too.
    let _: Result<(), Refused> = match r.method.as_slice() {
        b"POST" => store.create(&r.path, r.dir, &r.val, true, expire),
        b"PUT" => match r.prev_exist {
            Some(true) if !compare => store.update(&r.path, &r.val, expire, refresh, None),
            Some(true) => swap(store),
            Some(false) => store.create(&r.path, r.dir, &r.val, false, expire),
            None if compare => swap(store),
            None if is_member_attributes(&String::from_utf8_lossy(&r.path)) => {
                update_attributes(store, &r.path, &r.val)
            }
            // The cluster version, saved by the membership code.
            None if r.path == b"/0/version" => store.set(b"/0/version", false, &r.val, None, false),
            None => store.set(&r.path, r.dir, &r.val, expire, refresh),
        },
        b"DELETE" if compare => store.compare_and_delete(&r.path, &r.prev_value, r.prev_index),
        b"DELETE" => store.delete(&r.path, r.dir, r.recursive),
        b"QGET" => Ok(()),
        b"SYNC" => {
            store.delete_expired(r.time);
            Ok(())
        }
        other => {
            return Err(MigrateError::Replay(format!(
                "unknown v2 request method {}",
                go::quote(other)
            )));
        }
    };
    Ok(())
}

/// A member's attributes (name, client URLs) are saved only for a member the store knows.
fn update_attributes(store: &mut Store, path: &[u8], value: &[u8]) -> Result<(), Refused> {
    let dir = &path[..path.iter().rposition(|&b| b == b'/').unwrap_or(0)];
    let name = &dir[dir.iter().rposition(|&b| b == b'/').map_or(0, |at| at + 1)..];
    let Some(id) = std::str::from_utf8(name)
        .ok()
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
    else {
        return Ok(());
    };
    if !members(store).contains_key(&id) {
        return Ok(());
    }
    store.set(
        format!("{}/attributes", member_key(id)).as_bytes(),
        false,
        value,
        None,
        false,
    )
}

fn member_key(id: u64) -> String {
    format!("/0/members/{id:x}")
}

/// A member as the store holds it: its peer URLs and whether it is a learner.
struct Member {
    peer_urls: Vec<String>,
    learner: bool,
}

/// The `peerURLs` and `isLearner` of a member's JSON (raft attributes, or a conf change's
/// context, which holds them too).
fn member_from_json(json: &[u8]) -> Member {
    let json: serde_json::Value = serde_json::from_slice(json).unwrap_or_default();
    Member {
        peer_urls: json["peerURLs"]
            .as_array()
            .map(|urls| {
                urls.iter()
                    .filter_map(|u| u.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        learner: json["isLearner"].as_bool().unwrap_or(false),
    }
}

/// etcd's `membersFromStore`: the members under `/0/members`.
fn members(store: &Store) -> BTreeMap<u64, Member> {
    let Ok(Node {
        children: Some(children),
        ..
    }) = store.get(b"/0/members")
    else {
        return BTreeMap::new();
    };
    children
        .iter()
        .filter_map(|(name, node)| {
            let id = u64::from_str_radix(std::str::from_utf8(name).ok()?, 16).ok()?;
            let raft = node.children.as_ref()?.get(&b"raftAttributes"[..])?;
            Some((id, member_from_json(&raft.value)))
        })
        .collect()
}

fn removed(store: &Store, id: u64) -> bool {
    store
        .get(format!("/0/removed_members/{id:x}").as_bytes())
        .is_ok()
}

/// etcd's `ValidateConfigurationChange` and `migrate`'s `applyConf`: only adding, removing and
/// updating a voting member touch the store.
fn apply_conf(store: &mut Store, change: &ConfChange) -> Result<(), MigrateError> {
    const ADD: i32 = 0;
    const REMOVE: i32 = 1;
    const UPDATE: i32 = 2;
    const ADD_LEARNER: i32 = 3;
    const MAX_LEARNERS: usize = 1;
    let id = change.node_id;
    if removed(store, id) {
        return Ok(());
    }
    let members = members(store);
    let urls_taken = |new: &Member, except: Option<u64>| {
        members
            .iter()
            .filter(|(other, _)| Some(**other) != except)
            .any(|(_, m)| m.peer_urls.iter().any(|u| new.peer_urls.contains(u)))
    };
    let raft_attributes = |m: &Member| {
        let mut json = format!("{{\"peerURLs\":{}", go::json_strings(&m.peer_urls));
        if m.learner {
            json.push_str(",\"isLearner\":true");
        }
        json.push('}');
        json
    };
    let key = format!("{}/raftAttributes", member_key(id));
    match change.r#type {
        ADD | ADD_LEARNER => {
            let context: serde_json::Value =
                serde_json::from_slice(&change.context).unwrap_or_default();
            let member = member_from_json(&change.context);
            if context["isPromote"].as_bool() == Some(true) {
                if !members.get(&id).is_some_and(|m| m.learner) {
                    return Ok(());
                }
            } else if members.contains_key(&id)
                || urls_taken(&member, None)
                || (member.learner
                    && members.values().filter(|m| m.learner).count() + 1 > MAX_LEARNERS)
            {
                return Ok(());
            }
            if change.r#type == ADD {
                // etcdctl 3.4 panics here on a learner's promotion (the member exists).
                store
                    .create(
                        key.as_bytes(),
                        false,
                        raft_attributes(&member).as_bytes(),
                        false,
                        None,
                    )
                    .map_err(|_| {
                        MigrateError::Replay(format!(
                            "create raftAttributes should never fail: {key} exists"
                        ))
                    })?;
            }
        }
        REMOVE if members.contains_key(&id) => {
            let _ = store.delete(member_key(id).as_bytes(), true, true);
            let _ = store.create(
                format!("/0/removed_members/{id:x}").as_bytes(),
                false,
                b"",
                false,
                None,
            );
        }
        UPDATE if members.contains_key(&id) => {
            let member = member_from_json(&change.context);
            if !urls_taken(&member, Some(id)) {
                let _ = store.update(
                    key.as_bytes(),
                    raft_attributes(&member).as_bytes(),
                    None,
                    false,
                    None,
                );
            }
        }
        REMOVE | UPDATE => {}
        other => {
            return Err(MigrateError::Replay(format!(
                "unknown ConfChange type {other}"
            )));
        }
    }
    Ok(())
}

/// One node as etcdctl hands it to the transformer (`v2store.NodeExtern`): its key without the
/// `/1` of the user keyspace, and, for a node with a TTL, its expiry and the seconds left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extern {
    pub key: Vec<u8>,
    /// `None` for a directory.
    pub value: Option<Vec<u8>>,
    pub expiration: Option<i64>,
    pub ttl: i64,
    pub modified: u64,
    pub created: u64,
}

impl Extern {
    /// Go's `json.Marshal` of the node as `writeKeys` sends it (a directory without its
    /// children): fields in struct order, zeros left out.
    pub fn json(&self) -> String {
        let mut fields = Vec::new();
        if !self.key.is_empty() {
            fields.push(format!("\"key\":{}", go::json_string(&self.key)));
        }
        match &self.value {
            Some(value) => fields.push(format!("\"value\":{}", go::json_string(value))),
            None => fields.push("\"dir\":true".into()),
        }
        if let Some(at) = self.expiration {
            fields.push(format!("\"expiration\":\"{}\"", go::rfc3339_nano_utc(at)));
        }
        if self.ttl != 0 {
            fields.push(format!("\"ttl\":{}", self.ttl));
        }
        if self.modified != 0 {
            fields.push(format!("\"modifiedIndex\":{}", self.modified));
        }
        if self.created != 0 {
            fields.push(format!("\"createdIndex\":{}", self.created));
        }
        format!("{{{}}}", fields.join(","))
    }
}

/// etcdctl's `writeStore`: the user keyspace (`/1`) in the order it hands it to the
/// transformer (each directory before what it holds, names in byte order, hidden names left
/// out), TTLs counted at `now` (nanoseconds since the epoch); with `no_ttl`, nodes with a TTL
/// left out. `None` when there is no user keyspace: "no v2 keys to migrate".
pub fn nodes(store: &Store, now: i64, no_ttl: bool) -> Option<Vec<Extern>> {
    let top = store.get(b"/1").ok()?;
    let mut out = Vec::new();
    walk(top, now, no_ttl, &mut out);
    Some(out)
}

fn walk(node: &Node, now: i64, no_ttl: bool, out: &mut Vec<Extern>) {
    // Go's ceiling of the time left in seconds (its `/` and `%` truncate, as Rust's do).
    let ttl = node.expire.map_or(0, |at| {
        let left = at - now;
        left / 1_000_000_000 + i64::from(left % 1_000_000_000 > 0)
    });
    let key = match node.path.get(2..) {
        Some([]) | None => b"/".to_vec(),
        Some(rest) => rest.to_vec(),
    };
    if !no_ttl || ttl == 0 {
        out.push(Extern {
            key,
            value: (!node.is_dir()).then(|| node.value.clone()),
            expiration: node.expire,
            ttl,
            modified: node.modified,
            created: node.created,
        });
    }
    for child in node.children.iter().flat_map(|c| c.values()) {
        if !child.is_hidden() {
            walk(child, now, no_ttl, out);
        }
    }
}

/// etcdctl's default transformer: a file becomes a v3 key at its modified index, created at its
/// created index, version 1; a directory becomes nothing. Keys and values pass through Go's
/// JSON on the way, which turns each byte of invalid UTF-8 into U+FFFD.
pub fn default_kv(node: &Extern) -> Option<KeyValue> {
    let value = node.value.as_ref()?;
    let through_json = |bytes: &[u8]| -> Vec<u8> {
        serde_json::from_str::<String>(&go::json_string(bytes))
            .map(String::into_bytes)
            .unwrap_or_else(|_| bytes.to_vec())
    };
    Some(KeyValue {
        key: through_json(&node.key),
        value: through_json(value),
        create_revision: node.created as i64,
        mod_revision: node.modified as i64,
        version: 1,
        lease: 0,
    })
}

/// The member's v3 backend, locked as bbolt locks it, for the length of the migrate.
pub struct Backend {
    path: PathBuf,
    /// Holds the lock.
    _file: File,
}

impl Backend {
    /// `<data_dir>/member/snap/db`, created when missing (as bbolt does), and locked;
    /// `waiting` runs once if etcd still holds the lock after a second.
    pub fn lock(data_dir: &Path, waiting: impl FnOnce(&Path)) -> Result<Backend, MigrateError> {
        let path = data_dir.join("member").join("snap").join("db");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| bbolt::Error::Io(go::path_error("open", &path, &e)))?;
        super::lock_exclusive(&file, || waiting(&path))
            .map_err(|e| bbolt::Error::Io(go::path_error("flock", &path, &e)))?;
        Ok(Backend { path, _file: file })
    }

    /// etcd's `mvcc.WriteKV` of each of `kvs` (the `key` bucket, keyed by revision: a later
    /// write of a revision replaces an earlier one) and `UpdateConsistentIndex(index)` (raised,
    /// never lowered), into a new file renamed over the old.
    pub fn write(&self, kvs: &[KeyValue], index: u64) -> Result<(), MigrateError> {
        let mut keys: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for kv in kvs {
            keys.insert(revision_key(kv.mod_revision), kv.encode_to_vec());
        }
        let existing = if std::fs::metadata(&self.path).map_or(0, |m| m.len()) == 0 {
            None
        } else {
            Some(Db::open(&self.path)?)
        };
        let old_index = match &existing {
            Some(db) => consistent_index(db)?,
            None => 0,
        };
        let mut meta = BTreeMap::new();
        if index > old_index {
            meta.insert(b"consistent_index".to_vec(), index.to_be_bytes().to_vec());
        }
        let mut adds: BTreeMap<&[u8], BTreeMap<Vec<u8>, Vec<u8>>> = BTreeMap::new();
        adds.insert(b"key", keys);
        adds.insert(b"meta", meta);
        let page_size = existing.as_ref().map_or(NEW_PAGE_SIZE, Db::page_size);
        bbolt_write::replace(&self.path, page_size, |writer| {
            let mut merge = Merge {
                writer,
                adds,
                current: None,
            };
            if let Some(db) = &existing {
                db.for_each(&mut |item| merge.item(item))?;
            }
            merge.finish()
        })?;
        Ok(())
    }
}

/// mvcc's revision key: the main revision and sub-revision 0, big-endian, joined by `_`.
fn revision_key(main: i64) -> Vec<u8> {
    let mut key = Vec::with_capacity(17);
    key.extend_from_slice(&main.to_be_bytes());
    key.push(b'_');
    key.extend_from_slice(&0i64.to_be_bytes());
    key
}

fn consistent_index(db: &Db) -> Result<u64, bbolt::Error> {
    let mut found = 0;
    let mut in_meta = false;
    db.for_each(&mut |item| {
        match item {
            Item::Bucket { name, .. } => in_meta = name == b"meta",
            Item::Pair { key, value } if in_meta && key == b"consistent_index" => {
                if let Ok(bytes) = <[u8; 8]>::try_from(value) {
                    found = u64::from_be_bytes(bytes);
                }
            }
            Item::Pair { .. } => {}
        }
        Ok(())
    })?;
    Ok(found)
}

/// A copy of a database with pairs added (replacing same keys) to some buckets, made when
/// missing: the copy's walk in key order, with the additions slipped in at their places.
struct Merge<'w, 'a> {
    writer: &'w mut bbolt_write::Writer,
    adds: BTreeMap<&'a [u8], BTreeMap<Vec<u8>, Vec<u8>>>,
    /// The bucket being copied, with what is still to be added to it.
    current: Option<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl Merge<'_, '_> {
    fn io(e: std::io::Error) -> bbolt::Error {
        bbolt::Error::Io(e.to_string())
    }

    fn item(&mut self, item: Item<'_>) -> Result<(), bbolt::Error> {
        match item {
            Item::Bucket { name, sequence } => {
                self.end_bucket()?;
                self.new_buckets_before(Some(name))?;
                self.writer.bucket(name, sequence).map_err(Self::io)?;
                self.current = Some(self.adds.remove(name).unwrap_or_default());
            }
            Item::Pair { key, value } => {
                let adds = self.current.get_or_insert_with(BTreeMap::new);
                while let Some(entry) = adds.first_entry() {
                    if entry.key().as_slice() > key {
                        break;
                    }
                    let (k, v) = entry.remove_entry();
                    self.writer.put(&k, &v).map_err(Self::io)?;
                    if k == key {
                        return Ok(());
                    }
                }
                self.writer.put(key, value).map_err(Self::io)?;
            }
        }
        Ok(())
    }

    fn end_bucket(&mut self) -> Result<(), bbolt::Error> {
        for (k, v) in self.current.take().unwrap_or_default() {
            self.writer.put(&k, &v).map_err(Self::io)?;
        }
        Ok(())
    }

    /// Writes the buckets to be made that sort before `name` (all of them at the end).
    fn new_buckets_before(&mut self, name: Option<&[u8]>) -> Result<(), bbolt::Error> {
        while let Some(entry) = self.adds.first_entry() {
            if name.is_some_and(|name| *entry.key() >= name) {
                break;
            }
            let (bucket, pairs) = entry.remove_entry();
            self.writer.bucket(bucket, 0).map_err(Self::io)?;
            for (k, v) in pairs {
                self.writer.put(&k, &v).map_err(Self::io)?;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), bbolt::Error> {
        self.end_bucket()?;
        self.new_buckets_before(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, val: &str) -> V2Request {
        V2Request {
            method: method.into(),
            path: path.into(),
            val: val.into(),
            ..V2Request::default()
        }
    }

    #[test]
    fn requests_replay_through_the_store_rules() {
        let mut s = Store::default();
        let add = ConfChange {
            id: 1,
            r#type: 0,
            node_id: 0xab,
            context: br#"{"id":171,"peerURLs":["http://a:2380"],"name":"m"}"#.to_vec(),
        };
        apply_conf(&mut s, &add).unwrap();
        // The same member again: refused, no index.
        apply_conf(&mut s, &add).unwrap();
        assert_eq!(s.index, 1);
        apply_request(&mut s, &request("PUT", "/0/members/ab/attributes", "{}")).unwrap();
        apply_request(&mut s, &request("PUT", "/0/members/cd/attributes", "{}")).unwrap();
        apply_request(&mut s, &request("PUT", "/0/version", "3.4.0")).unwrap();
        assert_eq!(s.index, 3);
        apply_request(&mut s, &request("PUT", "/1/a", "x")).unwrap();
        apply_request(&mut s, &request("POST", "/1/q", "first")).unwrap();
        apply_request(&mut s, &request("PUT", "/1/_hidden", "h")).unwrap();
        let mut ttl = request("PUT", "/1/t", "gone");
        ttl.expiration = 2_000_000_000_000_000_000;
        apply_request(&mut s, &ttl).unwrap();
        apply_request(&mut s, &request("QGET", "/1/a", "")).unwrap();
        assert_eq!(s.index, 7);
        let mut sync = request("SYNC", "", "");
        sync.time = 2_000_000_000_000_000_001;
        apply_request(&mut s, &sync).unwrap();
        assert_eq!(s.index, 8);
        assert!(apply_request(&mut s, &request("BOGUS", "/", "")).is_err());

        let listed = nodes(&s, 0, false).unwrap();
        let keys: Vec<String> = listed
            .iter()
            .map(|n| String::from_utf8_lossy(&n.key).into_owned())
            .collect();
        assert_eq!(keys, ["/", "/a", "/q", "/q/00000000000000000005"]);
        let kvs: Vec<KeyValue> = listed.iter().filter_map(default_kv).collect();
        assert_eq!(kvs.len(), 2);
        assert_eq!(
            (
                kvs[0].key.as_slice(),
                kvs[0].create_revision,
                kvs[0].mod_revision,
                kvs[0].version
            ),
            (&b"/a"[..], 4, 4, 1)
        );
        assert_eq!(
            listed[0].json(),
            r#"{"key":"/","dir":true,"modifiedIndex":4,"createdIndex":4}"#
        );
        assert_eq!(
            listed[1].json(),
            r#"{"key":"/a","value":"x","modifiedIndex":4,"createdIndex":4}"#
        );
        assert!(nodes(&Store::default(), 0, false).is_none());
    }

    /// What etcd 3.4's v2 API proposes: a bare `Request` (`POST /1/queue job1`, taken from a
    /// real WAL), which must not pass for an `InternalRaftRequest`.
    #[test]
    fn bare_v2_requests_read_as_etcd_reads_them() {
        let data = [
            8, 149, 200, 175, 212, 229, 200, 168, 223, 112, 18, 4, 80, 79, 83, 84, 26, 8, 47, 49,
            47, 113, 117, 101, 117, 101, 34, 4, 106, 111, 98, 49, 40, 0, 50, 0, 56, 0, 72, 0, 80,
            0, 88, 0, 96, 0, 104, 0, 112, 0, 120, 0, 128, 1, 0,
        ];
        let (request, has_header) = entry_request(&data).unwrap();
        let request = request.unwrap();
        assert!(!has_header);
        assert_eq!(
            (&request.method[..], &request.path[..], &request.val[..]),
            (&b"POST"[..], &b"/1/queue"[..], &b"job1"[..])
        );
        assert_eq!(request.prev_exist, None);
        assert_eq!(request.refresh, None);
    }

    #[test]
    fn ttls_count_up_to_whole_seconds_and_no_ttl_leaves_them_out() {
        let mut s = Store::default();
        let at = 2_000_000_000_000_000_000;
        s.set(b"/1/t", false, b"v", Some(at), false).unwrap();
        let listed = nodes(&s, at - 1_500_000_000, false).unwrap();
        assert_eq!(listed[1].ttl, 2);
        assert_eq!(
            listed[1].json(),
            r#"{"key":"/t","value":"v","expiration":"2033-05-18T03:33:20Z","ttl":2,"modifiedIndex":1,"createdIndex":1}"#
        );
        let listed = nodes(&s, at + 1_500_000_000, true).unwrap();
        assert_eq!(listed.len(), 1, "only the directory: {listed:?}");
    }

    #[test]
    fn invalid_utf8_turns_into_replacement_characters() {
        let node = Extern {
            key: b"/k\xff".to_vec(),
            value: Some(b"v\xfe\xfd".to_vec()),
            expiration: None,
            ttl: 0,
            modified: 2,
            created: 1,
        };
        let kv = default_kv(&node).unwrap();
        assert_eq!(kv.key, "/k\u{fffd}".as_bytes());
        assert_eq!(kv.value, "v\u{fffd}\u{fffd}".as_bytes());
    }

    #[test]
    fn the_backend_gets_the_keys_and_a_raised_index_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("member/snap")).unwrap();
        let backend = Backend::lock(dir.path(), |_| {}).unwrap();
        let kv = |rev: i64, value: &str| KeyValue {
            key: b"/k".to_vec(),
            value: value.into(),
            create_revision: rev,
            mod_revision: rev,
            version: 1,
            lease: 0,
        };
        backend.write(&[kv(5, "a"), kv(3, "b")], 10).unwrap();
        backend.write(&[kv(5, "c")], 7).unwrap();
        let db = Db::open(&dir.path().join("member/snap/db")).unwrap();
        let mut seen = Vec::new();
        db.for_each(&mut |item| {
            seen.push(match item {
                Item::Bucket { name, .. } => format!("[{}]", String::from_utf8_lossy(name)),
                Item::Pair { key, value } => format!("{key:?}={value:?}"),
            });
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                "[key]".to_string(),
                format!("{:?}={:?}", revision_key(3), kv(3, "b").encode_to_vec()),
                format!("{:?}={:?}", revision_key(5), kv(5, "c").encode_to_vec()),
                "[meta]".to_string(),
                format!("{:?}={:?}", b"consistent_index", 10u64.to_be_bytes()),
            ]
        );
    }
}
