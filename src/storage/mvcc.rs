//! etcd's key-value store read from its bbolt file with no server (`--db`): a stopped member's
//! data dir, its `member/snap/db`, or a snapshot file. What a server would answer is rebuilt
//! from the file alone, by etcd's own rules (mvcc/kvstore.go, kvstore_txn.go, index.go and
//! etcdserver/apply.go, v3.4.23):
//!
//! - the `key` bucket maps a revision (8-byte main, `_`, 8-byte sub, all big-endian; a 18th
//!   byte `t` marks a deletion) to an `mvccpb.KeyValue`; a deletion holds only the key;
//! - the `meta` bucket holds `finishedCompactRev` and `scheduledCompactRev` (revisions in the
//!   same 17-byte form; a scheduled compaction a server resumes when it starts) and
//!   `consistent_index`; 3.5 adds the raft `term`;
//! - the current revision is the last one in `key`, or the compacted one if that is higher;
//! - a key's value at revision R is its last entry at or below R, absent if that is a deletion;
//!   reading below the compacted revision or above the current one fails as etcd fails.
//!
//! Only what a read needs is held in memory: for one revision and range, each live key and
//! where its entry lies in the file ([`Index`]); values are read from the file when printed.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use prost::Message;

use super::bbolt::{self, Db};
use crate::keys::in_range;
use crate::pb::etcdserverpb::RangeRequest;
use crate::pb::etcdserverpb::range_request::{SortOrder, SortTarget};
use crate::pb::mvccpb::{Event, KeyValue, event::EventType};

const KEY_BUCKET: &[u8] = b"key";
const META_BUCKET: &[u8] = b"meta";
/// A revision's bytes in the `key` bucket, without the deletion mark.
const REV_BYTES: usize = 17;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Bbolt(#[from] bbolt::Error),
    /// etcd's `mvcc.ErrCompacted`.
    #[error("mvcc: required revision has been compacted")]
    Compacted,
    /// etcd's `mvcc.ErrFutureRev`.
    #[error("mvcc: required revision is a future revision")]
    FutureRev,
    #[error("{0}: not an etcd backend ({1})")]
    NotEtcd(String, String),
}

/// Where an entry of the `key` bucket lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    offset: u64,
    len: u32,
}

/// An entry of the `key` bucket: its revision, whether it is a deletion, and where it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub main: i64,
    pub sub: i64,
    pub tombstone: bool,
    pub loc: Loc,
}

/// Called with each entry of the `key` bucket and its value.
pub type VisitEntry<'a> = dyn FnMut(Entry, &[u8]) -> Result<(), bbolt::Error> + 'a;

/// Only the key of an `mvccpb.KeyValue` (field 1): the others are skipped, not copied.
#[derive(Clone, PartialEq, prost::Message)]
struct KeyOnly {
    #[prost(bytes = "vec", tag = "1")]
    key: Vec<u8>,
}

/// The live keys of a range at one revision, in key order, each with its entry's place.
struct Index {
    revision: i64,
    key: Vec<u8>,
    range_end: Vec<u8>,
    keys: Keys,
}

/// Keys in one buffer, sorted, each with the place of its entry: some 32 bytes per key
/// beyond the key itself, where a map of owned keys costs some 80.
#[derive(Default)]
pub struct Keys {
    bytes: Vec<u8>,
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    at: usize,
    len: u32,
    tombstone: bool,
    loc: Loc,
}

impl Keys {
    fn key(&self, slot: &Slot) -> &[u8] {
        &self.bytes[slot.at..slot.at + slot.len as usize]
    }

    /// Adds `key`'s entry; later entries of a key replace earlier ones in [`Keys::settle`].
    fn push(&mut self, key: &[u8], tombstone: bool, loc: Loc) {
        self.slots.push(Slot {
            at: self.bytes.len(),
            len: key.len() as u32,
            tombstone,
            loc,
        });
        self.bytes.extend_from_slice(key);
    }

    /// Sorts the keys, keeps each one's last entry, and drops the deleted ones, in place
    /// (the bytes of the keys dropped stay: copying the rest would double the peak).
    fn settle(mut self) -> Keys {
        let bytes = &self.bytes;
        let key = |s: &Slot| &bytes[s.at..s.at + s.len as usize];
        // Stable: a key's entries stay in the order they were pushed (revision order).
        self.slots.sort_by(|a, b| key(a).cmp(key(b)));
        let mut kept = 0;
        for i in 0..self.slots.len() {
            let slot = self.slots[i];
            let superseded = self
                .slots
                .get(i + 1)
                .is_some_and(|next| key(next) == key(&slot));
            if !superseded && !slot.tombstone {
                self.slots[kept] = slot;
                kept += 1;
            }
        }
        self.slots.truncate(kept);
        self.slots.shrink_to_fit();
        self
    }

    /// The entries' places of the keys in `[key, end)`, as etcd reads a range end.
    fn range(&self, key: &[u8], end: &[u8]) -> impl DoubleEndedIterator<Item = Loc> + Clone + '_ {
        let below = |bound: &[u8]| self.slots.partition_point(|s| self.key(s) < bound);
        let low = below(key);
        let high = match end {
            [] => self.slots.partition_point(|s| self.key(s) <= key),
            [0] => self.slots.len(),
            end if end <= key => low,
            end => below(end),
        };
        self.slots[low..high.max(low)].iter().map(|s| s.loc)
    }
}

impl Index {
    /// Whether this index answers for `[key, range_end)` at `revision`.
    fn covers(&self, revision: i64, key: &[u8], range_end: &[u8]) -> bool {
        self.revision == revision && within(&self.key, &self.range_end, key, range_end)
    }
}

/// What the file says of the store as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Meta {
    pub revision: i64,
    pub compacted: i64,
    pub consistent_index: u64,
    /// The raft term, which etcd 3.5 and later record; 0 from 3.4.
    pub term: u64,
}

/// The keys a range selects, in the order the answer lists them, and what etcd says of it.
#[derive(Debug, Default)]
pub struct Selection {
    pub locs: Vec<Loc>,
    pub more: bool,
    /// The keys in the whole range (etcd's `count`).
    pub count: i64,
}

/// An etcd backend file opened for reading.
pub struct MvccFile {
    db: Db,
    path: PathBuf,
    meta: Meta,
    /// The index of the last range read; page after page of one range reuses it.
    index: RefCell<Option<Index>>,
}

/// The backend file `path` names: the file itself, or `member/snap/db` under a data dir or
/// under `member/`.
pub fn backend_path(path: &Path) -> PathBuf {
    for inner in ["member/snap/db", "snap/db"] {
        let candidate = path.join(inner);
        if path.is_dir() && candidate.is_file() {
            return candidate;
        }
    }
    path.to_path_buf()
}

impl MvccFile {
    pub fn open(path: &Path) -> Result<MvccFile, Error> {
        let path = backend_path(path);
        let db = Db::open(&path)?;
        let mut file = MvccFile {
            db,
            path,
            meta: Meta::default(),
            index: RefCell::new(None),
        };
        file.meta = file.read_meta()?;
        Ok(file)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn meta(&self) -> Meta {
        self.meta
    }

    fn not_etcd(&self, why: &str) -> Error {
        Error::NotEtcd(self.path.display().to_string(), why.to_string())
    }

    fn read_meta(&self) -> Result<Meta, Error> {
        let mut meta = Meta::default();
        let mut found = false;
        let mut scheduled = 0;
        self.db.bucket_pairs(META_BUCKET, &mut |key, value, _| {
            found = true;
            let rev = |v: &[u8]| v.get(..8).map_or(0, be_i64);
            let number = |v: &[u8]| {
                v.get(..8)
                    .map_or(0, |b| u64::from_be_bytes(b.try_into().expect("8 bytes")))
            };
            match key {
                b"finishedCompactRev" => meta.compacted = rev(value),
                b"scheduledCompactRev" => scheduled = rev(value),
                b"consistent_index" => meta.consistent_index = number(value),
                b"term" => meta.term = number(value),
                _ => {}
            }
            Ok(())
        })?;
        if !found {
            return Err(self.not_etcd("no meta bucket"));
        }
        // A server opening this file resumes the scheduled compaction before it answers.
        meta.compacted = meta.compacted.max(scheduled);
        let mut last = 0;
        self.entries(&mut |entry, _| {
            last = entry.main;
            Ok(())
        })?;
        meta.revision = last.max(meta.compacted);
        Ok(meta)
    }

    /// Every entry of the `key` bucket in revision order, with its value (a KeyValue).
    pub fn entries(&self, visit: &mut VisitEntry<'_>) -> Result<(), Error> {
        self.db.bucket_pairs(KEY_BUCKET, &mut |key, value, at| {
            if key.len() < REV_BYTES {
                return Err(bbolt::Error::Corrupt(
                    "a key in the \"key\" bucket is not a revision".into(),
                ));
            }
            let entry = Entry {
                main: be_i64(&key[..8]),
                sub: be_i64(&key[9..17]),
                tombstone: key.get(REV_BYTES) == Some(&b't'),
                loc: Loc {
                    offset: at,
                    len: value.len() as u32,
                },
            };
            visit(entry, value)
        })?;
        Ok(())
    }

    /// The key of an entry's value.
    pub fn key_of(value: &[u8]) -> Result<Vec<u8>, Error> {
        KeyOnly::decode(value)
            .map(|k| k.key)
            .map_err(|e| Error::Bbolt(bbolt::Error::Corrupt(format!("a KeyValue: {e}"))))
    }

    /// The KeyValue stored at `loc`.
    pub fn read(&self, loc: Loc) -> Result<KeyValue, Error> {
        let bytes = self.db.read_at(loc.offset, loc.len as usize)?;
        KeyValue::decode(bytes.as_slice())
            .map_err(|e| Error::Bbolt(bbolt::Error::Corrupt(format!("a KeyValue: {e}"))))
    }

    /// The KeyValue at `loc` as an answer to `request` gives it: without its value for
    /// `--keys-only` (etcd reads it all the same).
    pub fn read_for(&self, request: &RangeRequest, loc: Loc) -> Result<KeyValue, Error> {
        let mut kv = self.read(loc)?;
        if request.keys_only {
            kv.value.clear();
        }
        Ok(kv)
    }

    /// The revision a request for `revision` reads at (0: the current one), or etcd's error.
    pub fn read_revision(&self, revision: i64) -> Result<i64, Error> {
        if revision > self.meta.revision {
            return Err(Error::FutureRev);
        }
        let revision = if revision <= 0 {
            self.meta.revision
        } else {
            revision
        };
        if revision < self.meta.compacted {
            return Err(Error::Compacted);
        }
        Ok(revision)
    }

    /// The live keys of `[key, range_end)` at `revision`, from the index kept or a new one.
    fn with_index<T>(
        &self,
        revision: i64,
        key: &[u8],
        range_end: &[u8],
        f: impl FnOnce(&Keys) -> T,
    ) -> Result<T, Error> {
        let mut kept = self.index.borrow_mut();
        if !kept
            .as_ref()
            .is_some_and(|index| index.covers(revision, key, range_end))
        {
            *kept = None;
            let mut keys = Keys::default();
            self.entries(&mut |entry, value| {
                if entry.main > revision {
                    return Ok(());
                }
                let k = Self::key_of(value).map_err(|e| bbolt::Error::Corrupt(e.to_string()))?;
                if in_range(&k, key, range_end) {
                    keys.push(&k, entry.tombstone, entry.loc);
                }
                Ok(())
            })?;
            *kept = Some(Index {
                revision,
                key: key.to_vec(),
                range_end: range_end.to_vec(),
                keys: keys.settle(),
            });
        }
        Ok(f(&kept.as_ref().expect("an index was just built").keys))
    }

    /// The compacted revision (0: none) and every version of `[key, range_end)` the file
    /// holds from it on, oldest first, as a watch would deliver them (a deletion carries its
    /// key and revision): each key's version at the compacted revision, as a Range there
    /// reads it, then every change after it.
    pub fn history(&self, key: &[u8], range_end: &[u8]) -> Result<(i64, Vec<Event>), Error> {
        let compacted = self.meta.compacted;
        let event = |r#type: EventType, kv| Event {
            r#type: r#type as i32,
            kv: Some(kv),
            prev_kv: None,
        };
        let mut events = Vec::new();
        if compacted > 0 {
            let locs = self.with_index(compacted, key, range_end, |keys| {
                keys.range(key, range_end).collect::<Vec<Loc>>()
            })?;
            let mut kept = locs
                .into_iter()
                .map(|loc| self.read(loc))
                .collect::<Result<Vec<_>, _>>()?;
            // Oldest first; a txn's keys in key order.
            kept.sort_by_key(|kv| kv.mod_revision);
            events.extend(kept.into_iter().map(|kv| event(EventType::Put, kv)));
        }
        self.entries(&mut |entry, value| {
            if entry.main <= compacted {
                return Ok(());
            }
            let mut kv = KeyValue::decode(value)
                .map_err(|e| bbolt::Error::Corrupt(format!("a KeyValue: {e}")))?;
            if !in_range(&kv.key, key, range_end) {
                return Ok(());
            }
            if entry.tombstone {
                kv.mod_revision = entry.main;
                events.push(event(EventType::Delete, kv));
            } else {
                events.push(event(EventType::Put, kv));
            }
            Ok(())
        })?;
        Ok((compacted, events))
    }

    /// The keys `request` selects, in order. In key order without revision filters (what
    /// pages ask for), they are the answer's, with its `more`. Otherwise they are what etcd's
    /// mvcc range hands its apply step (key order; every key when the request sorts or filters,
    /// else one more than the limit), which [`finish`] completes once values are read.
    pub fn select(&self, request: &RangeRequest) -> Result<Selection, Error> {
        let revision = self.read_revision(request.revision)?;
        let (key, end) = (request.key.as_slice(), request.range_end.as_slice());
        let keyed = by_key(request);
        let descending = request.sort_order == SortOrder::Descend as i32;
        let limit = match (request.limit > 0, keyed) {
            (false, _) => usize::MAX,
            (true, true) => request.limit as usize,
            // etcd fetches everything to sort or filter, else one more than the limit (to
            // tell `more`), and sorts on other fields only what it fetched.
            (true, false) if request.sort_order != SortOrder::None as i32 || filtered(request) => {
                usize::MAX
            }
            (true, false) => request.limit as usize + 1,
        };
        self.with_index(revision, key, end, |keys| {
            let range = keys.range(key, end);
            let count = range.clone().count() as i64;
            let locs: Vec<Loc> = if request.count_only {
                Vec::new()
            } else if keyed && descending {
                range.rev().take(limit).collect()
            } else {
                range.take(limit).collect()
            };
            Selection {
                more: keyed && request.limit > 0 && count > request.limit,
                locs,
                count,
            }
        })
    }
}

/// Whether the request filters on revisions.
fn filtered(request: &RangeRequest) -> bool {
    request.min_mod_revision != 0
        || request.max_mod_revision != 0
        || request.min_create_revision != 0
        || request.max_create_revision != 0
}

/// Whether the answer's keys and their order follow from the keys alone: sorted by key (or
/// not at all), without revision filters.
pub fn by_key(request: &RangeRequest) -> bool {
    request.sort_target == SortTarget::Key as i32 && !filtered(request)
}

/// etcd's apply step (etcdserver/apply.go) on what [`MvccFile::select`] fetched, in key
/// order: the revision filters, the sort (stable here; Go's `sort.Sort` is not, so ties among
/// more than 12 keys may come in another order), then the limit and `more`.
pub fn finish(request: &RangeRequest, mut kvs: Vec<KeyValue>, more: bool) -> (Vec<KeyValue>, bool) {
    let r = request;
    if by_key(r) {
        return (kvs, more);
    }
    kvs.retain(|kv| {
        !(r.max_mod_revision != 0 && kv.mod_revision > r.max_mod_revision
            || r.min_mod_revision != 0 && kv.mod_revision < r.min_mod_revision
            || r.max_create_revision != 0 && kv.create_revision > r.max_create_revision
            || r.min_create_revision != 0 && kv.create_revision < r.min_create_revision)
    });
    let mut order = r.sort_order;
    if r.sort_target != SortTarget::Key as i32 && order == SortOrder::None as i32 {
        order = SortOrder::Ascend as i32;
    }
    if order != SortOrder::None as i32 {
        let target = SortTarget::try_from(r.sort_target).unwrap_or(SortTarget::Key);
        kvs.sort_by(|a, b| {
            let ord = match target {
                SortTarget::Key => a.key.cmp(&b.key),
                SortTarget::Version => a.version.cmp(&b.version),
                SortTarget::Create => a.create_revision.cmp(&b.create_revision),
                SortTarget::Mod => a.mod_revision.cmp(&b.mod_revision),
                SortTarget::Value => a.value.cmp(&b.value),
            };
            if order == SortOrder::Descend as i32 {
                ord.reverse()
            } else {
                ord
            }
        });
    }
    let mut more = false;
    if r.limit > 0 && kvs.len() > r.limit as usize {
        kvs.truncate(r.limit as usize);
        more = true;
    }
    (kvs, more)
}

/// Whether the range `[start, end)` holds every key of `[key, range_end)`.
fn within(start: &[u8], end: &[u8], key: &[u8], range_end: &[u8]) -> bool {
    if key < start {
        return false;
    }
    match (end, range_end) {
        ([0], _) => true,
        ([], []) => key == start,
        ([], _) => false,
        (end, []) => key < end,
        (_, [0]) => false,
        (end, range_end) => range_end <= end,
    }
}

fn be_i64(bytes: &[u8]) -> i64 {
    i64::from_be_bytes(bytes.try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_each_ones_last_live_entry() {
        let loc = |offset| Loc { offset, len: 1 };
        let mut keys = Keys::default();
        keys.push(b"b", false, loc(1));
        keys.push(b"a", false, loc(2));
        keys.push(b"b", false, loc(3));
        keys.push(b"c", false, loc(4));
        keys.push(b"c", true, loc(5));
        let keys = keys.settle();
        assert_eq!(
            keys.range(b"\0", b"\0").collect::<Vec<_>>(),
            [loc(2), loc(3)]
        );
        assert_eq!(keys.range(b"b", b"").collect::<Vec<_>>(), [loc(3)]);
        assert_eq!(keys.range(b"a", b"b").collect::<Vec<_>>(), [loc(2)]);
        assert!(keys.range(b"b", b"a").next().is_none());
    }

    #[test]
    fn an_index_covers_its_subranges() {
        assert!(within(b"a/", b"a0", b"a/m", b"a0"));
        assert!(within(b"a/", b"a0", b"a/m", b""));
        assert!(within(b"\0", b"\0", b"k", b"\0"));
        assert!(!within(b"a/", b"a0", b"a/m", b"\0"));
        assert!(!within(b"a/", b"a0", b"0", b"a0"));
        assert!(!within(b"k", b"", b"k", b"l"));
        assert!(within(b"k", b"", b"k", b""));
    }

    #[test]
    fn apply_filters_sorts_and_limits() {
        let kv = |key: &str, version| KeyValue {
            key: key.into(),
            value: b"v".to_vec(),
            version,
            mod_revision: version + 1,
            ..KeyValue::default()
        };
        let request = RangeRequest {
            sort_target: SortTarget::Version as i32,
            sort_order: SortOrder::Descend as i32,
            limit: 2,
            min_mod_revision: 2,
            ..RangeRequest::default()
        };
        let (kvs, more) = finish(
            &request,
            vec![kv("a", 1), kv("b", 3), kv("c", 2), kv("d", 5)],
            false,
        );
        let keys: Vec<&[u8]> = kvs.iter().map(|kv| kv.key.as_slice()).collect();
        assert_eq!((keys, more), (vec![&b"d"[..], b"b"], true));
    }
}
