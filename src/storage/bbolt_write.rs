//! The two bbolt writes `backup` needs, done as bbolt itself would commit them, without a
//! general bbolt writer: a new database holding one small bucket, and dropping top-level buckets
//! from an existing one.
//!
//! Dropping writes the root leaf, minus the dropped buckets, to a new page at the end of the file
//! and then the next meta page (transaction id + 1) pointing at it, so a crash before the meta
//! write leaves the old database intact. The pages the dropped buckets used stay allocated but
//! unreachable (bbolt would put them on the freelist): wasted space, which etcd never checks and
//! `etcdctl defrag` reclaims. The page layout is described in `crate::bbolt`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use crate::storage::bbolt::{BUCKET_LEAF, ELEMENT, LEAF, MAGIC, PAGE_HEADER, VERSION, fnv64a};

const META_PAGE: u16 = 0x04;
const FREELIST_PAGE: u16 = 0x10;
/// The page size of a new database: bbolt uses the OS page size.
const PAGE_SIZE: usize = 4096;
const META_LEN: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Read(#[from] crate::storage::bbolt::Error),
    #[error("{0}: the root of the database is not a single leaf page, which ectl cannot edit")]
    Unsupported(String),
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::Io(crate::go::path_error(what, path, e))
}

/// One leaf element: a key and its value, a bucket header (+ inline page) when `bucket`.
struct Element<'a> {
    bucket: bool,
    key: &'a [u8],
    value: &'a [u8],
}

/// A leaf page with `elements` (sorted by key, as bbolt keeps them), id and overflow filled in
/// by the caller; unpadded.
fn leaf(elements: &[Element<'_>]) -> Vec<u8> {
    let mut page = vec![0u8; PAGE_HEADER + elements.len() * ELEMENT];
    page[8..10].copy_from_slice(&LEAF.to_le_bytes());
    page[10..12].copy_from_slice(&(elements.len() as u16).to_le_bytes());
    for (i, e) in elements.iter().enumerate() {
        let at = PAGE_HEADER + i * ELEMENT;
        let pos = (page.len() - at) as u32;
        let flags = if e.bucket { BUCKET_LEAF } else { 0 };
        page[at..at + 4].copy_from_slice(&flags.to_le_bytes());
        page[at + 4..at + 8].copy_from_slice(&pos.to_le_bytes());
        page[at + 8..at + 12].copy_from_slice(&(e.key.len() as u32).to_le_bytes());
        page[at + 12..at + 16].copy_from_slice(&(e.value.len() as u32).to_le_bytes());
        page.extend_from_slice(e.key);
        page.extend_from_slice(e.value);
    }
    page
}

/// The meta fields bbolt writes after the page header.
#[derive(Clone, Copy)]
struct Meta {
    page_size: u32,
    flags: u32,
    root: u64,
    sequence: u64,
    freelist: u64,
    pgid: u64,
    txid: u64,
}

impl Meta {
    fn parse(m: &[u8]) -> Meta {
        let u32_at = |at: usize| u32::from_le_bytes(m[at..at + 4].try_into().expect("4 bytes"));
        let u64_at = |at: usize| u64::from_le_bytes(m[at..at + 8].try_into().expect("8 bytes"));
        Meta {
            page_size: u32_at(8),
            flags: u32_at(12),
            root: u64_at(16),
            sequence: u64_at(24),
            freelist: u64_at(32),
            pgid: u64_at(40),
            txid: u64_at(48),
        }
    }

    /// The meta page (header included) bbolt writes for this transaction: page `txid % 2`.
    fn page(&self) -> Vec<u8> {
        let mut page = vec![0u8; PAGE_HEADER + META_LEN];
        page[..8].copy_from_slice(&(self.txid % 2).to_le_bytes());
        page[8..10].copy_from_slice(&META_PAGE.to_le_bytes());
        let m = &mut page[PAGE_HEADER..];
        m[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        m[4..8].copy_from_slice(&VERSION.to_le_bytes());
        m[8..12].copy_from_slice(&self.page_size.to_le_bytes());
        m[12..16].copy_from_slice(&self.flags.to_le_bytes());
        for (at, v) in [
            (16, self.root),
            (24, self.sequence),
            (32, self.freelist),
            (40, self.pgid),
            (48, self.txid),
        ] {
            m[at..at + 8].copy_from_slice(&v.to_le_bytes());
        }
        let checksum = fnv64a(&m[..56]);
        m[56..64].copy_from_slice(&checksum.to_le_bytes());
        page
    }
}

/// Creates a database at `path` (which must not exist) holding the top-level bucket `bucket`
/// with the one pair `key` = `value`, as an inline bucket in the root leaf.
pub fn create(path: &Path, bucket: &[u8], key: &[u8], value: &[u8]) -> Result<(), Error> {
    let inline = leaf(&[Element {
        bucket: false,
        key,
        value,
    }]);
    // A bucket header with root 0 (inline) and sequence 0, then its page.
    let mut bucket_value = vec![0u8; 16];
    bucket_value.extend_from_slice(&inline);
    let mut root = leaf(&[Element {
        bucket: true,
        key: bucket,
        value: &bucket_value,
    }]);
    if root.len() > PAGE_SIZE {
        return Err(Error::Io(format!("{}: value too large", path.display())));
    }
    root[..8].copy_from_slice(&3u64.to_le_bytes());
    let mut file = vec![0u8; 4 * PAGE_SIZE];
    for txid in [0, 1] {
        let meta = Meta {
            page_size: PAGE_SIZE as u32,
            flags: 0,
            root: 3,
            sequence: 0,
            freelist: 2,
            pgid: 4,
            txid,
        };
        let at = txid as usize * PAGE_SIZE;
        let page = meta.page();
        file[at..at + page.len()].copy_from_slice(&page);
    }
    let freelist = 2 * PAGE_SIZE;
    file[freelist..freelist + 8].copy_from_slice(&2u64.to_le_bytes());
    file[freelist + 8..freelist + 10].copy_from_slice(&FREELIST_PAGE.to_le_bytes());
    file[3 * PAGE_SIZE..3 * PAGE_SIZE + root.len()].copy_from_slice(&root);
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| io_error("open", path, &e))?;
    out.write_all(&file)
        .and_then(|()| out.sync_all())
        .map_err(|e| io_error("write", path, &e))
}

/// Removes the top-level buckets named in `names` (absent ones are ignored, as bbolt's
/// `DeleteBucket` errors are by etcdctl).
pub fn drop_buckets(path: &Path, names: &[&[u8]]) -> Result<(), Error> {
    // The reader validates the meta pages and page bounds first.
    crate::storage::bbolt::Db::open(path)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_error("open", path, &e))?;
    let meta = current_meta(&file, path)?;
    let page_size = u64::from(meta.page_size);
    let root = read_page(&file, path, meta.root, page_size)?;
    let flags = u16::from_le_bytes([root[8], root[9]]);
    if flags != LEAF {
        return Err(Error::Unsupported(path.display().to_string()));
    }
    let count = usize::from(u16::from_le_bytes([root[10], root[11]]));
    let mut kept = Vec::with_capacity(count);
    for i in 0..count {
        let at = PAGE_HEADER + i * ELEMENT;
        let word = |o: usize| {
            root.get(at + o..at + o + 4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
        };
        let corrupt = || {
            Error::Read(crate::storage::bbolt::Error::Corrupt(
                "root leaf element".into(),
            ))
        };
        let (flags, pos, ksize, vsize) = (
            word(0).ok_or_else(corrupt)?,
            word(4).ok_or_else(corrupt)?,
            word(8).ok_or_else(corrupt)?,
            word(12).ok_or_else(corrupt)?,
        );
        let key = root.get(at + pos..at + pos + ksize).ok_or_else(corrupt)?;
        let value = root
            .get(at + pos + ksize..at + pos + ksize + vsize)
            .ok_or_else(corrupt)?;
        let bucket = flags as u32 & BUCKET_LEAF != 0;
        if bucket && names.contains(&key) {
            continue;
        }
        kept.push(Element { bucket, key, value });
    }
    if kept.len() == count {
        return Ok(());
    }
    let mut page = leaf(&kept);
    let pages = (page.len() as u64).div_ceil(page_size);
    page.resize((pages * page_size) as usize, 0);
    let id = meta.pgid;
    page[..8].copy_from_slice(&id.to_le_bytes());
    page[12..16].copy_from_slice(&((pages - 1) as u32).to_le_bytes());
    file.write_all_at(&page, id * page_size)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("write", path, &e))?;
    let next = Meta {
        root: id,
        pgid: id + pages,
        txid: meta.txid + 1,
        ..meta
    };
    file.write_all_at(&next.page(), (next.txid % 2) * page_size)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("write", path, &e))
}

/// The valid meta page with the higher transaction id (the reader checked one is valid).
fn current_meta(file: &File, path: &Path) -> Result<Meta, Error> {
    let mut first = [0u8; PAGE_HEADER + META_LEN];
    file.read_exact_at(&mut first, 0)
        .map_err(|e| io_error("read", path, &e))?;
    let meta0 = Meta::parse(&first[PAGE_HEADER..]);
    let valid = |m: &[u8]| {
        u32::from_le_bytes(m[0..4].try_into().expect("4 bytes")) == MAGIC
            && fnv64a(&m[..56]) == u64::from_le_bytes(m[56..64].try_into().expect("8 bytes"))
    };
    let mut second = [0u8; PAGE_HEADER + META_LEN];
    let meta1 = file
        .read_exact_at(&mut second, u64::from(meta0.page_size))
        .ok()
        .filter(|()| valid(&second[PAGE_HEADER..]))
        .map(|()| Meta::parse(&second[PAGE_HEADER..]));
    Ok(match (valid(&first[PAGE_HEADER..]), meta1) {
        (true, Some(m1)) if m1.txid > meta0.txid => m1,
        (true, _) => meta0,
        (false, Some(m1)) => m1,
        (false, None) => return Err(Error::Read(crate::storage::bbolt::Error::Invalid)),
    })
}

/// Page `id` with its overflow pages.
fn read_page(file: &File, path: &Path, id: u64, page_size: u64) -> Result<Vec<u8>, Error> {
    let mut header = [0u8; PAGE_HEADER];
    file.read_exact_at(&mut header, id * page_size)
        .map_err(|e| io_error("read", path, &e))?;
    let overflow = u64::from(u32::from_le_bytes(header[12..16].try_into().expect("4")));
    let mut page = vec![0u8; ((overflow + 1) * page_size) as usize];
    file.read_exact_at(&mut page, id * page_size)
        .map_err(|e| io_error("read", path, &e))?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        create(&path, b"meta", b"consistent_index", &42u64.to_be_bytes()).unwrap();
        let db = crate::storage::bbolt::Db::open(&path).unwrap();
        let (offset, len) = db
            .value_location(b"meta", b"consistent_index")
            .unwrap()
            .unwrap();
        assert_eq!(len, 8);
        let mut value = [0u8; 8];
        File::open(&path)
            .unwrap()
            .read_exact_at(&mut value, offset)
            .unwrap();
        assert_eq!(u64::from_be_bytes(value), 42);
        assert!(
            create(&path, b"meta", b"k", b"v").is_err(),
            "never overwrites"
        );

        // Dropping it leaves an empty but valid database; dropping nothing changes nothing.
        let before = std::fs::read(&path).unwrap();
        drop_buckets(&path, &[b"absent"]).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), before);
        drop_buckets(&path, &[b"meta"]).unwrap();
        let db = crate::storage::bbolt::Db::open(&path).unwrap();
        assert_eq!(
            db.value_location(b"meta", b"consistent_index").unwrap(),
            None
        );
        assert_eq!(db.status().unwrap().total_key, 0);
    }
}
