//! etcd 3.4's v2 store (`etcdserver/api/v2store`) rebuilt offline, as etcdctl 3.4's `migrate`
//! rebuilds it: the tree of directories and files with their created and modified indexes and
//! expiry times, and the store index every successful change moves on by one. Only what decides
//! the final tree and its indexes is kept: no watchers, no stats, no events.
//!
//! Paths are bytes (Go strings need not be UTF-8), cleaned as Go's `path.Clean(path.Join("/", p))`.
//! Times are nanoseconds since the Unix epoch; `None` is a permanent node.

use std::collections::{BTreeMap, BTreeSet};

/// etcd ignores expiry times before 2000-01-01 on create (a zero time sent through JSON).
const MIN_EXPIRE_NS: i64 = 946_684_800 * 1_000_000_000;

/// Why a v2 operation changed nothing; the replay only needs to know that it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    RootReadOnly,
    NotFound,
    NotDir,
    NotFile,
    Exists,
    DirNotEmpty,
    TestFailed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub path: Vec<u8>,
    pub created: u64,
    pub modified: u64,
    pub expire: Option<i64>,
    /// `None` for a file.
    pub children: Option<BTreeMap<Vec<u8>, Node>>,
    pub value: Vec<u8>,
}

impl Node {
    /// A file's new value at index `next`; a refresh keeps the value and only renews it.
    fn write(&mut self, value: &[u8], refresh: bool, next: u64) {
        if !refresh {
            self.value = value.to_vec();
        }
        self.modified = next;
    }

    fn dir(path: Vec<u8>, index: u64, expire: Option<i64>) -> Node {
        Node {
            path,
            created: index,
            modified: index,
            expire,
            children: Some(BTreeMap::new()),
            value: Vec::new(),
        }
    }

    pub fn is_dir(&self) -> bool {
        self.children.is_some()
    }

    /// A name starting with `_` is hidden: v2 reads (and so `migrate`) never list it.
    pub fn is_hidden(&self) -> bool {
        name_of(&self.path).first() == Some(&b'_')
    }

    fn compare(&self, prev_value: &[u8], prev_index: u64) -> bool {
        (prev_index == 0 || self.modified == prev_index)
            && (prev_value.is_empty() || self.value == prev_value)
    }

    /// Every expiring node at or under this one, for the expiry index.
    fn expiring(&self, out: &mut Vec<(i64, Vec<u8>)>) {
        if let Some(at) = self.expire {
            out.push((at, self.path.clone()));
        }
        for child in self.children.iter().flat_map(|c| c.values()) {
            child.expiring(out);
        }
    }
}

/// The store: a root directory, the store index, and the expiring nodes by expiry time (etcd's
/// `ttlKeyHeap`).
#[derive(Debug, Clone)]
pub struct Store {
    pub root: Node,
    pub index: u64,
    ttl: BTreeSet<(i64, Vec<u8>)>,
}

impl Default for Store {
    /// `v2store.New()` with no namespaces, as `migrate` makes it: `/0` and `/1` appear on first use.
    fn default() -> Store {
        Store {
            root: Node::dir(b"/".to_vec(), 0, None),
            index: 0,
            ttl: BTreeSet::new(),
        }
    }
}

/// `path` cleaned, refused when it is the root, which no write may change.
fn below_root(path: &[u8]) -> Result<Vec<u8>, Refused> {
    let path = clean(path);
    if path == b"/" {
        return Err(Refused::RootReadOnly);
    }
    Ok(path)
}

/// Go's `path.Clean(path.Join("/", p))`.
pub fn clean(p: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in p.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    let mut out = Vec::with_capacity(p.len() + 1);
    for part in &parts {
        out.push(b'/');
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

fn name_of(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

/// The components of a cleaned path (none for `/`).
fn components(path: &[u8]) -> Vec<&[u8]> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect()
}

fn join(parent: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = parent.to_vec();
    if p.last() != Some(&b'/') {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

impl Store {
    pub fn get(&self, path: &[u8]) -> Result<&Node, Refused> {
        let mut node = &self.root;
        for name in components(&clean(path)) {
            let children = node.children.as_ref().ok_or(Refused::NotDir)?;
            node = children.get(name).ok_or(Refused::NotFound)?;
        }
        Ok(node)
    }

    fn get_mut(&mut self, path: &[u8]) -> Result<&mut Node, Refused> {
        let mut node = &mut self.root;
        for name in components(path) {
            let children = node.children.as_mut().ok_or(Refused::NotDir)?;
            node = children.get_mut(name).ok_or(Refused::NotFound)?;
        }
        Ok(node)
    }

    /// The directory `dir`, made (with the next index, and permanent) where missing, as
    /// etcd's `walk(dirName, checkDir)`; a file on the way is refused.
    fn make_dirs(&mut self, dir: &[u8]) -> Result<&mut Node, Refused> {
        let next = self.index + 1;
        let mut node = &mut self.root;
        for name in components(dir) {
            let path = join(&node.path, name);
            let children = node.children.as_mut().ok_or(Refused::NotDir)?;
            node = children
                .entry(name.to_vec())
                .or_insert_with(|| Node::dir(path, next, None));
            if !node.is_dir() {
                return Err(Refused::NotDir);
            }
        }
        Ok(node)
    }

    /// Detaches the node at `path` from its parent, and its subtree from the expiry index.
    fn detach(&mut self, path: &[u8]) -> Option<Node> {
        let (parent, name) = match path.iter().rposition(|&b| b == b'/') {
            Some(0) => (&b"/"[..], &path[1..]),
            Some(at) => (&path[..at], &path[at + 1..]),
            None => return None,
        };
        let removed = self.get_mut(parent).ok()?.children.as_mut()?.remove(name)?;
        let mut expiring = Vec::new();
        removed.expiring(&mut expiring);
        for entry in expiring {
            self.ttl.remove(&entry);
        }
        Some(removed)
    }

    fn set_expire(&mut self, path: &[u8], expire: Option<i64>) {
        let Ok(node) = self.get_mut(path) else {
            return;
        };
        let old = std::mem::replace(&mut node.expire, expire);
        if let Some(at) = old {
            self.ttl.remove(&(at, path.to_vec()));
        }
        if let Some(at) = expire {
            self.ttl.insert((at, path.to_vec()));
        }
    }

    /// etcd's `internalCreate`: `unique` appends the next index as a 20-digit name (POST),
    /// `replace` overwrites a file (Set).
    fn internal_create(
        &mut self,
        path: &[u8],
        dir: bool,
        value: &[u8],
        unique: bool,
        replace: bool,
        expire: Option<i64>,
    ) -> Result<(), Refused> {
        let next = self.index + 1;
        let mut path = path.to_vec();
        if unique {
            path.extend_from_slice(format!("/{next:020}").as_bytes());
        }
        let path = clean(&path);
        if path == b"/" {
            return Err(Refused::RootReadOnly);
        }
        let expire = expire.filter(|&at| at >= MIN_EXPIRE_NS);
        let at = path.iter().rposition(|&b| b == b'/').unwrap_or(0);
        let (parent, name) = (&path[..at.max(1)], &path[at + 1..]);
        let existing = self
            .make_dirs(parent)?
            .children
            .as_ref()
            .and_then(|c| c.get(name));
        if let Some(existing) = existing {
            if !replace {
                return Err(Refused::Exists);
            }
            if existing.is_dir() {
                return Err(Refused::NotFile);
            }
            self.detach(&path);
        }
        let node = if dir {
            Node::dir(path.clone(), next, expire)
        } else {
            Node {
                path: path.clone(),
                created: next,
                modified: next,
                expire,
                children: None,
                value: value.to_vec(),
            }
        };
        let parent = self.make_dirs(parent)?;
        parent
            .children
            .as_mut()
            .expect("make_dirs returns a directory")
            .insert(name.to_vec(), node);
        if let Some(at) = expire {
            self.ttl.insert((at, path));
        }
        self.index = next;
        Ok(())
    }

    pub fn create(
        &mut self,
        path: &[u8],
        dir: bool,
        value: &[u8],
        unique: bool,
        expire: Option<i64>,
    ) -> Result<(), Refused> {
        self.internal_create(path, dir, value, unique, false, expire)
    }

    pub fn set(
        &mut self,
        path: &[u8],
        dir: bool,
        value: &[u8],
        expire: Option<i64>,
        refresh: bool,
    ) -> Result<(), Refused> {
        let current = match self.get(path) {
            Ok(node) => Some(node.value.clone()),
            Err(Refused::NotFound) => None,
            Err(e) => return Err(e),
        };
        let value = match (refresh, current) {
            (false, _) => value.to_vec(),
            (true, Some(current)) => current,
            (true, None) => return Err(Refused::NotFound),
        };
        self.internal_create(path, dir, &value, false, true, expire)
    }

    /// etcd's `Update`, or with `expected` (the previous value and index to compare) its
    /// `CompareAndSwap`: the same write, behind a test.
    pub fn update(
        &mut self,
        path: &[u8],
        value: &[u8],
        expire: Option<i64>,
        refresh: bool,
        expected: Option<(&[u8], u64)>,
    ) -> Result<(), Refused> {
        let path = below_root(path)?;
        let next = self.index + 1;
        let node = self.get_mut(&path)?;
        if node.is_dir() {
            // `Update` refuses a directory quietly when given no value (its modified index
            // stays); `CompareAndSwap` always refuses one.
            if expected.is_some() || !value.is_empty() {
                return Err(Refused::NotFile);
            }
        } else {
            if let Some((prev_value, prev_index)) = expected
                && !node.compare(prev_value, prev_index)
            {
                return Err(Refused::TestFailed);
            }
            node.write(value, refresh, next);
        }
        self.set_expire(&path, expire);
        self.index = next;
        Ok(())
    }

    pub fn delete(&mut self, path: &[u8], dir: bool, recursive: bool) -> Result<(), Refused> {
        let path = below_root(path)?;
        let node = self.get(&path)?;
        if let Some(children) = &node.children {
            if !(dir || recursive) {
                return Err(Refused::NotFile);
            }
            if !children.is_empty() && !recursive {
                return Err(Refused::DirNotEmpty);
            }
        }
        self.detach(&path);
        self.index += 1;
        Ok(())
    }

    pub fn compare_and_delete(
        &mut self,
        path: &[u8],
        prev_value: &[u8],
        prev_index: u64,
    ) -> Result<(), Refused> {
        let path = clean(path);
        let node = self.get(&path)?;
        if node.is_dir() {
            return Err(Refused::NotFile);
        }
        if !node.compare(prev_value, prev_index) {
            return Err(Refused::TestFailed);
        }
        self.index += 1;
        self.detach(&path);
        Ok(())
    }

    /// etcd's `DeleteExpiredKeys`: each node expired at `cutoff`, soonest first, costs an index;
    /// one removed with its expired parent is gone before its turn.
    pub fn delete_expired(&mut self, cutoff: i64) {
        while let Some((at, path)) = self.ttl.first().cloned() {
            if at > cutoff {
                break;
            }
            self.index += 1;
            self.ttl.remove(&(at, path.clone()));
            self.detach(&path);
        }
    }

    /// Puts back the expiry index of a tree loaded from a snapshot.
    pub fn with_root(root: Node, index: u64) -> Store {
        let mut expiring = Vec::new();
        root.expiring(&mut expiring);
        Store {
            root,
            index,
            ttl: expiring.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_clean_as_go_does() {
        for (raw, cleaned) in [
            ("", "/"),
            ("/", "/"),
            ("a", "/a"),
            ("/1/a//b/", "/1/a/b"),
            ("/1/./a/../b", "/1/b"),
            ("/../..", "/"),
        ] {
            assert_eq!(clean(raw.as_bytes()), cleaned.as_bytes(), "{raw:?}");
        }
    }

    #[test]
    fn indexes_move_only_on_success() {
        let mut s = Store::default();
        s.set(b"/1/a", false, b"1", None, false).unwrap();
        assert_eq!(s.index, 1);
        let a = s.get(b"/1/a").unwrap();
        assert_eq!((a.created, a.modified, &a.value[..]), (1, 1, &b"1"[..]));
        // The intermediate directory took the same index.
        assert_eq!(s.get(b"/1").unwrap().created, 1);
        assert_eq!(
            s.create(b"/1/a", false, b"x", false, None),
            Err(Refused::Exists)
        );
        assert_eq!(s.index, 1);
        s.update(b"/1/a", b"2", None, false, None).unwrap();
        let a = s.get(b"/1/a").unwrap();
        assert_eq!((a.created, a.modified, &a.value[..]), (1, 2, &b"2"[..]));
        assert_eq!(
            s.update(b"/1/a", b"3", None, false, Some((b"nope", 0))),
            Err(Refused::TestFailed)
        );
        s.update(b"/1/a", b"3", None, false, Some((b"2", 2)))
            .unwrap();
        assert_eq!(s.get(b"/1/a").unwrap().modified, 3);
        s.create(b"/1/q", false, b"first", true, None).unwrap();
        assert_eq!(s.get(b"/1/q/00000000000000000004").unwrap().value, b"first");
        assert_eq!(s.delete(b"/1/q", false, false), Err(Refused::NotFile));
        assert_eq!(s.delete(b"/1/q", true, false), Err(Refused::DirNotEmpty));
        s.delete(b"/1/q", true, true).unwrap();
        assert_eq!(s.index, 5);
        assert_eq!(s.delete(b"/", true, true), Err(Refused::RootReadOnly));
        assert_eq!(
            s.set(b"/1/a/b", false, b"x", None, false),
            Err(Refused::NotDir)
        );
    }

    #[test]
    fn expiry_removes_soonest_first_and_skips_what_went_with_a_parent() {
        let mut s = Store::default();
        let t = MIN_EXPIRE_NS + 1_000;
        s.set(b"/1/d", true, b"", Some(t), false).unwrap();
        s.set(b"/1/d/k", false, b"v", Some(t + 5), false).unwrap();
        s.set(b"/1/late", false, b"v", Some(t + 100), false)
            .unwrap();
        s.set(b"/1/old", false, b"v", Some(5), false).unwrap();
        assert_eq!(s.get(b"/1/old").unwrap().expire, None, "before 2000");
        s.delete_expired(t + 10);
        // The directory went (one index), taking its child with it.
        assert_eq!(s.index, 5);
        assert_eq!(s.get(b"/1/d"), Err(Refused::NotFound));
        assert!(s.get(b"/1/late").is_ok());
        s.update(b"/1/late", b"w", None, false, None).unwrap();
        s.delete_expired(t + 1_000);
        assert!(s.get(b"/1/late").is_ok(), "made permanent");
    }
}
