//! A read-only reader of bbolt database files (etcd's backend), just enough for `snapshot
//! status`: the meta pages, and an in-order walk of the buckets' B+trees (branch, leaf and
//! overflow pages, inline buckets). Every offset read from the file is checked, so a corrupt or
//! truncated file is an error, never a panic or an endless loop.
//!
//! Layout (bbolt's `page.go`, `db.go`): every page starts with a 16-byte header (id u64, flags
//! u16, count u16, overflow u32), all little-endian. Pages 0 and 1 are meta pages; the valid one
//! with the higher transaction id is current. Branch elements are (pos u32, ksize u32, pgid
//! u64); leaf elements are (flags u32, pos u32, ksize u32, vsize u32), with `pos` relative to the
//! element itself. A leaf value flagged as a bucket is a bucket header (root pgid u64, sequence
//! u64), followed by an inline page when the root is 0.

use crate::go;
use std::collections::HashSet;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// What etcd's `snapshot.Status` reports about a backend file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbStatus {
    /// CRC-32C over every bucket name, key and value.
    pub hash: u32,
    /// The main revision of the last key in the `key` bucket.
    pub revision: i64,
    /// Keys across all buckets.
    pub total_key: u64,
    /// The database size bbolt reports: its highest page id times the page size.
    pub total_size: u64,
}

pub(crate) const MAGIC: u32 = 0xED0C_DAED;
pub(crate) const VERSION: u32 = 2;
pub(crate) const PAGE_HEADER: usize = 16;
pub(crate) const ELEMENT: usize = 16;
pub(crate) const BRANCH: u16 = 0x01;
pub(crate) const LEAF: u16 = 0x02;
pub(crate) const BUCKET_LEAF: u32 = 0x01;
/// Far deeper than any real B+tree; stops a corrupt file from recursing without end.
const MAX_DEPTH: usize = 64;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("{0}")]
    Io(String),
    /// bbolt's own wording for a file whose meta pages are unusable.
    #[error("invalid database")]
    Invalid,
    #[error("version mismatch")]
    VersionMismatch,
    #[error("checksum error")]
    Checksum,
    #[error("snapshot file integrity check failed: {0}")]
    Corrupt(String),
    #[error("cannot get hash of bucket {0}")]
    NotABucket(String),
}

fn corrupt(message: impl Into<String>) -> Error {
    Error::Corrupt(message.into())
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().expect("2 bytes"))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

#[derive(Debug, Clone, Copy)]
struct Meta {
    page_size: u32,
    root: u64,
    pgid: u64,
    txid: u64,
}

/// FNV-1a, 64 bits: bbolt's meta checksum.
pub(crate) fn fnv64a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The meta page in `page` (header included), validated as bbolt's `meta.validate`.
fn parse_meta(page: &[u8]) -> Result<Meta, Error> {
    if page.len() < PAGE_HEADER + 64 {
        return Err(Error::Invalid);
    }
    let m = &page[PAGE_HEADER..PAGE_HEADER + 64];
    if u32_at(m, 0) != MAGIC {
        return Err(Error::Invalid);
    }
    if u32_at(m, 4) != VERSION {
        return Err(Error::VersionMismatch);
    }
    if fnv64a(&m[..56]) != u64_at(m, 56) {
        return Err(Error::Checksum);
    }
    Ok(Meta {
        page_size: u32_at(m, 8),
        root: u64_at(m, 16),
        pgid: u64_at(m, 40),
        txid: u64_at(m, 48),
    })
}

/// Called with each key, value, whether the value is a nested bucket, and the value's offset
/// in the file.
type Visit<'a> = dyn FnMut(&[u8], &[u8], bool, u64) -> Result<(), Error> + 'a;

/// Called with each key and value of one bucket, and the value's offset in the file.
pub type VisitPair<'a> = dyn FnMut(&[u8], &[u8], u64) -> Result<(), Error> + 'a;

/// An inline bucket's page and where it lies in the file.
type InlinePage<'a> = (&'a [u8], u64);

/// A top-level bucket: its name, root page, or inline page and that page's offset.
struct Bucket {
    name: Vec<u8>,
    root: u64,
    sequence: u64,
    inline: Option<(Vec<u8>, u64)>,
}

/// What [`Db::for_each`] hands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    /// A top-level bucket starts; its pairs follow.
    Bucket {
        name: &'a [u8],
        sequence: u64,
    },
    Pair {
        key: &'a [u8],
        value: &'a [u8],
    },
}

/// An open database file.
pub struct Db {
    file: File,
    len: u64,
    meta: Meta,
}

/// A page's bytes (all of them, overflow included) and what its header says.
struct Page {
    bytes: Vec<u8>,
    flags: u16,
    count: usize,
    /// Where `bytes[0]` lies in the file.
    offset: u64,
}

impl Page {
    fn parse(bytes: Vec<u8>, offset: u64) -> Result<Page, Error> {
        if bytes.len() < PAGE_HEADER {
            return Err(corrupt("page shorter than its header"));
        }
        let flags = u16_at(&bytes, 8);
        let count = usize::from(u16_at(&bytes, 10));
        if PAGE_HEADER + count * ELEMENT > bytes.len() {
            return Err(corrupt("page elements run past the page"));
        }
        Ok(Page {
            bytes,
            flags,
            count,
            offset,
        })
    }

    /// `len` bytes at `at`, if they lie inside the page.
    fn slice(&self, at: usize, len: usize) -> Result<&[u8], Error> {
        at.checked_add(len)
            .and_then(|end| self.bytes.get(at..end))
            .ok_or_else(|| corrupt("element data runs past the page"))
    }
}

impl Db {
    pub fn open(path: &Path) -> Result<Db, Error> {
        let file = File::open(path).map_err(|e| Error::Io(go::path_error("open", path, &e)))?;
        let len = file
            .metadata()
            .map_err(|e| Error::Io(go::path_error("stat", path, &e)))?
            .len();
        let read = |offset: u64, size: usize| -> Option<Vec<u8>> {
            let mut buf = vec![0; size];
            file.read_exact_at(&mut buf, offset).ok().map(|()| buf)
        };
        // Meta 0 says the page size; if it is unusable, try meta 1 at the usual page sizes.
        let meta0 = read(0, PAGE_HEADER + 64)
            .ok_or(Error::Invalid)
            .and_then(|p| parse_meta(&p));
        let mut candidates = Vec::new();
        let mut first_error = None;
        match meta0 {
            Ok(m) => candidates.push(m),
            Err(e) => first_error = Some(e),
        }
        let sizes: Vec<u64> = match candidates.first() {
            Some(m) => vec![u64::from(m.page_size)],
            None => vec![4096, 16384, 65536],
        };
        for size in sizes {
            match read(size, PAGE_HEADER + 64)
                .ok_or(Error::Invalid)
                .and_then(|p| parse_meta(&p))
            {
                Ok(m) if u64::from(m.page_size) == size => candidates.push(m),
                Ok(_) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let meta = candidates
            .into_iter()
            .max_by_key(|m| m.txid)
            .ok_or_else(|| first_error.unwrap_or(Error::Invalid))?;
        if !(512..=1 << 20).contains(&meta.page_size) || !meta.page_size.is_power_of_two() {
            return Err(Error::Invalid);
        }
        let db = Db { file, len, meta };
        if meta.pgid.saturating_mul(u64::from(meta.page_size)) > len {
            return Err(corrupt(format!(
                "the file is {len} bytes, shorter than its {} pages of {} bytes (truncated?)",
                meta.pgid, meta.page_size
            )));
        }
        Ok(db)
    }

    /// bbolt's `Tx.Size()`: the high water mark times the page size.
    pub fn size(&self) -> u64 {
        self.meta.pgid * u64::from(self.meta.page_size)
    }

    fn page(&self, id: u64) -> Result<Page, Error> {
        if id < 2 || id >= self.meta.pgid {
            return Err(corrupt(format!(
                "page {id}: out of bounds: {}",
                self.meta.pgid
            )));
        }
        let page_size = u64::from(self.meta.page_size);
        let offset = id * page_size;
        let mut header = [0u8; PAGE_HEADER];
        self.file
            .read_exact_at(&mut header, offset)
            .map_err(|e| corrupt(format!("page {id}: {e}")))?;
        if u64_at(&header, 0) != id {
            return Err(corrupt(format!(
                "page {id}: header names page {}",
                u64_at(&header, 0)
            )));
        }
        let pages = u64::from(u32_at(&header, 12)) + 1;
        if id + pages > self.meta.pgid || offset + pages * page_size > self.len {
            return Err(corrupt(format!("page {id}: overflow runs past the end")));
        }
        let mut bytes = vec![0u8; (pages * page_size) as usize];
        self.file
            .read_exact_at(&mut bytes, offset)
            .map_err(|e| corrupt(format!("page {id}: {e}")))?;
        Page::parse(bytes, offset)
    }

    /// Calls `visit(key, value, is_bucket)` for every element of the bucket rooted at `root`,
    /// in key order. `inline` is the bucket's inline page when `root` is 0.
    fn walk(
        &self,
        root: u64,
        inline: Option<InlinePage<'_>>,
        visit: &mut Visit<'_>,
    ) -> Result<(), Error> {
        let mut seen = HashSet::new();
        match inline {
            Some((page, offset)) => {
                self.walk_page(Page::parse(page.to_vec(), offset)?, 0, &mut seen, visit)
            }
            None => {
                seen.insert(root);
                self.walk_page(self.page(root)?, 0, &mut seen, visit)
            }
        }
    }

    fn walk_page(
        &self,
        page: Page,
        depth: usize,
        seen: &mut HashSet<u64>,
        visit: &mut Visit<'_>,
    ) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(corrupt("B+tree deeper than any real database"));
        }
        for i in 0..page.count {
            let elem = PAGE_HEADER + i * ELEMENT;
            match page.flags {
                BRANCH => {
                    let child = u64_at(&page.bytes, elem + 8);
                    if !seen.insert(child) {
                        return Err(corrupt(format!("page {child}: multiple references")));
                    }
                    self.walk_page(self.page(child)?, depth + 1, seen, visit)?;
                }
                LEAF => {
                    let flags = u32_at(&page.bytes, elem);
                    let pos = u32_at(&page.bytes, elem + 4) as usize;
                    let ksize = u32_at(&page.bytes, elem + 8) as usize;
                    let vsize = u32_at(&page.bytes, elem + 12) as usize;
                    let key = page.slice(elem + pos, ksize)?;
                    let value = page.slice(elem + pos + ksize, vsize)?;
                    let at = page.offset + (elem + pos + ksize) as u64;
                    visit(key, value, flags & BUCKET_LEAF != 0, at)?;
                }
                other => {
                    return Err(corrupt(format!(
                        "invalid page type: {other}: expected branch or leaf"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The bucket header in a bucket's leaf value (at `offset` in the file): its root page, or
    /// its inline page and where that lies.
    fn bucket(value: &[u8], offset: u64) -> Result<(u64, Option<InlinePage<'_>>), Error> {
        if value.len() < 16 {
            return Err(corrupt("bucket header shorter than 16 bytes"));
        }
        let root = u64_at(value, 0);
        Ok((root, (root == 0).then(|| (&value[16..], offset + 16))))
    }

    /// The top-level buckets: name, root page, and inline page with its offset.
    fn buckets(&self) -> Result<Vec<Bucket>, Error> {
        let mut buckets = Vec::new();
        self.walk(self.meta.root, None, &mut |name, value, is_bucket, at| {
            if !is_bucket {
                return Err(Error::NotABucket(
                    String::from_utf8_lossy(name).into_owned(),
                ));
            }
            let (root, inline) = Self::bucket(value, at)?;
            buckets.push(Bucket {
                name: name.to_vec(),
                root,
                // Db::bucket checked the 16-byte header.
                sequence: u64_at(value, 8),
                inline: inline.map(|(page, offset)| (page.to_vec(), offset)),
            });
            Ok(())
        })?;
        Ok(buckets)
    }

    /// The page size the file was written with.
    pub fn page_size(&self) -> u32 {
        self.meta.page_size
    }

    /// The id of the last committed transaction.
    pub fn txid(&self) -> u64 {
        self.meta.txid
    }

    /// Every top-level bucket in key order, each followed by its keys and values in order: all
    /// a copy of the database needs. Nested buckets (etcd has none) are refused.
    pub fn for_each(
        &self,
        visit: &mut dyn FnMut(Item<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for b in &self.buckets()? {
            visit(Item::Bucket {
                name: &b.name,
                sequence: b.sequence,
            })?;
            let inline = b
                .inline
                .as_ref()
                .map(|(page, offset)| (page.as_slice(), *offset));
            self.walk(b.root, inline, &mut |key, value, is_bucket, _| {
                if is_bucket {
                    return Err(corrupt(format!(
                        "bucket {}: nested buckets are not supported",
                        String::from_utf8_lossy(&b.name)
                    )));
                }
                visit(Item::Pair { key, value })
            })?;
        }
        Ok(())
    }

    /// Calls `visit(key, value, offset)` for every pair of the top-level bucket `bucket` in
    /// key order, `offset` being where the value lies in the file; nothing when there is no
    /// such bucket.
    pub fn bucket_pairs(&self, bucket: &[u8], visit: &mut VisitPair<'_>) -> Result<(), Error> {
        let Some(b) = self.buckets()?.into_iter().find(|b| b.name == bucket) else {
            return Ok(());
        };
        let inline = b
            .inline
            .as_ref()
            .map(|(page, offset)| (page.as_slice(), *offset));
        self.walk(b.root, inline, &mut |k, v, is_bucket, at| {
            if is_bucket {
                return Ok(());
            }
            visit(k, v, at)
        })
    }

    /// Where the value of `key` in the top-level bucket `bucket` lies in the file, and its
    /// length; `None` when there is no such key.
    pub fn value_location(&self, bucket: &[u8], key: &[u8]) -> Result<Option<(u64, usize)>, Error> {
        let mut found = None;
        self.bucket_pairs(bucket, &mut |k, v, at| {
            if k == key {
                found = Some((at, v.len()));
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// `len` bytes at `offset`: a value where [`Db::bucket_pairs`] said it lies (a value is
    /// contiguous in the file, overflow pages included).
    pub fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, Error> {
        if offset.saturating_add(len as u64) > self.len {
            return Err(corrupt("a value runs past the end of the file"));
        }
        let mut bytes = vec![0; len];
        self.file
            .read_exact_at(&mut bytes, offset)
            .map_err(|e| corrupt(format!("reading {len} bytes at {offset}: {e}")))?;
        Ok(bytes)
    }

    /// etcd's `snapshot.Status`: CRC-32C over every top-level bucket's name and each key and
    /// value in it, the count of those keys, the main revision of the last key of the `key`
    /// bucket, and the database size.
    pub fn status(&self) -> Result<DbStatus, Error> {
        let buckets = self.buckets()?;
        let mut status = DbStatus {
            total_size: self.size(),
            ..DbStatus::default()
        };
        let mut crc = 0u32;
        for b in &buckets {
            crc = crc32c::crc32c_append(crc, &b.name);
            let is_key_bucket = b.name.as_slice() == b"key";
            let inline = b
                .inline
                .as_ref()
                .map(|(page, offset)| (page.as_slice(), *offset));
            self.walk(b.root, inline, &mut |k, v, is_bucket, _| {
                crc = crc32c::crc32c_append(crc, k);
                // A nested bucket's value reads as nil in bbolt's ForEach.
                if !is_bucket {
                    crc = crc32c::crc32c_append(crc, v);
                }
                if is_key_bucket {
                    if k.len() < 8 {
                        return Err(corrupt("a key in the \"key\" bucket is not a revision"));
                    }
                    status.revision = i64::from_be_bytes(k[..8].try_into().expect("8 bytes"));
                }
                status.total_key += 1;
                Ok(())
            })?;
        }
        status.hash = crc;
        Ok(status)
    }
}

/// [`Db::open`] and [`Db::status`] in one step.
pub fn status(path: &Path) -> Result<DbStatus, Error> {
    std::fs::metadata(path).map_err(|e| Error::Io(go::path_error("stat", path, &e)))?;
    Db::open(path)?.status()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny database built by hand: meta pages 0 and 1, a root leaf (page 2) naming buckets
    /// "key" (page 3) and "meta" (inline), page 4 free.
    fn sample() -> Vec<u8> {
        const PS: usize = 4096;
        let mut db = vec![0u8; PS * 5];
        for (i, txid) in [(0usize, 1u64), (1, 2)] {
            let p = &mut db[i * PS..];
            p[0..8].copy_from_slice(&(i as u64).to_le_bytes());
            p[8..10].copy_from_slice(&4u16.to_le_bytes());
            let m = &mut p[16..80];
            m[0..4].copy_from_slice(&MAGIC.to_le_bytes());
            m[4..8].copy_from_slice(&VERSION.to_le_bytes());
            m[8..12].copy_from_slice(&(PS as u32).to_le_bytes());
            m[16..24].copy_from_slice(&2u64.to_le_bytes());
            m[40..48].copy_from_slice(&5u64.to_le_bytes());
            m[48..56].copy_from_slice(&txid.to_le_bytes());
            let sum = fnv64a(&m[..56]);
            m[56..64].copy_from_slice(&sum.to_le_bytes());
        }
        fn leaf(page: &mut [u8], id: u64, items: &[(u32, &[u8], &[u8])]) {
            page[0..8].copy_from_slice(&id.to_le_bytes());
            page[8..10].copy_from_slice(&LEAF.to_le_bytes());
            page[10..12].copy_from_slice(&(items.len() as u16).to_le_bytes());
            let mut data = PAGE_HEADER + items.len() * ELEMENT;
            for (i, (flags, k, v)) in items.iter().enumerate() {
                let e = PAGE_HEADER + i * ELEMENT;
                page[e..e + 4].copy_from_slice(&flags.to_le_bytes());
                page[e + 4..e + 8].copy_from_slice(&((data - e) as u32).to_le_bytes());
                page[e + 8..e + 12].copy_from_slice(&(k.len() as u32).to_le_bytes());
                page[e + 12..e + 16].copy_from_slice(&(v.len() as u32).to_le_bytes());
                page[data..data + k.len()].copy_from_slice(k);
                data += k.len();
                page[data..data + v.len()].copy_from_slice(v);
                data += v.len();
            }
        }
        let mut inline = vec![0u8; 16 + 64];
        leaf(&mut inline[16..], 0, &[(0, b"m", b"v")]);
        let mut key_bucket = vec![0u8; 16];
        key_bucket[0..8].copy_from_slice(&3u64.to_le_bytes());
        leaf(
            &mut db[2 * PS..],
            2,
            &[(1, b"key", &key_bucket), (1, b"meta", &inline)],
        );
        let rev = |main: i64| {
            let mut k = main.to_be_bytes().to_vec();
            k.push(b'_');
            k.extend_from_slice(&0i64.to_be_bytes());
            k
        };
        leaf(
            &mut db[3 * PS..],
            3,
            &[(0, &rev(2), b"kv2"), (0, &rev(3), b"kv3")],
        );
        db
    }

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        f
    }

    #[test]
    fn reads_buckets_in_order() {
        let f = write(&sample());
        let s = status(f.path()).unwrap();
        assert_eq!((s.revision, s.total_key, s.total_size), (3, 3, 5 * 4096));
        let mut crc = 0;
        let mut key2 = 2i64.to_be_bytes().to_vec();
        key2.push(b'_');
        key2.extend_from_slice(&[0; 8]);
        let mut key3 = key2.clone();
        key3[7] = 3;
        for part in [
            &b"key"[..],
            &key2,
            b"kv2",
            &key3,
            b"kv3",
            b"meta",
            b"m",
            b"v",
        ] {
            crc = crc32c::crc32c_append(crc, part);
        }
        assert_eq!(s.hash, crc);
    }

    #[test]
    fn missing_file_reads_as_go_does() {
        let e = status(Path::new("/nonexistent/snap.db")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "stat /nonexistent/snap.db: no such file or directory"
        );
    }

    /// Truncations and flipped bytes anywhere give an error or a result, never a panic.
    #[test]
    fn corrupt_files_never_panic() {
        let good = sample();
        for len in [0, 1, 15, 100, 4096, 4200, 8192, 3 * 4096, 4 * 4096 - 1] {
            let f = write(&good[..len]);
            assert!(status(f.path()).is_err(), "truncated to {len}");
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..400 {
            let mut bad = good.clone();
            for _ in 0..4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed as usize) % (4 * 4096);
                bad[at] ^= (seed >> 32) as u8 | 1;
            }
            let f = write(&bad);
            let _ = status(f.path());
        }
        // Page 3 flipped to a branch pointing at itself: a cycle, refused.
        let mut cyclic = good.clone();
        cyclic[3 * 4096 + 8] = BRANCH as u8;
        cyclic[3 * 4096 + 16 + 8..3 * 4096 + 16 + 16].copy_from_slice(&3u64.to_le_bytes());
        let f = write(&cyclic);
        assert!(status(f.path()).is_err());
    }
}
