//! Writes a fresh, compact bbolt file from buckets and pairs given in key order (what
//! [`crate::storage::bbolt::Db::for_each`] yields), in constant memory: for offline defragmentation.
//!
//! Pages are written bottom-up as they fill: leaves first, and each level of branch pages as
//! the level below hands up the first key of every page it wrote, so only one page per tree
//! level is held at a time. Pages are filled to 90%, as etcd's own defragmentation fills them,
//! leaving room for the next writes; small buckets are stored inline, as bbolt stores them.
//! Page 2 is an empty freelist (nothing in a fresh file is free) and the two meta pages are
//! written last, so a file cut short anywhere has no valid meta page and is refused rather
//! than misread.
//!
//! Layout facts (bbolt's `page.go`, `node.go`, `db.go`) are in [`crate::storage::bbolt`]; the meta page
//! adds flags u32 at 12, the root bucket's sequence u64 at 24 and the freelist page id u64 at 32.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use crate::go;
use crate::storage::PartFile;
use crate::storage::bbolt::{
    self, BRANCH, BUCKET_LEAF, ELEMENT, LEAF, MAGIC, PAGE_HEADER, VERSION, fnv64a,
};

/// The page size bbolt gives a new file on Linux.
pub const NEW_PAGE_SIZE: u32 = 4096;

/// Writes a new database with `fill` into a file beside `db_path`, syncs it, renames it over
/// `db_path` and syncs the directory: until the rename etcd finds the old file intact, after it
/// the new one complete (offline defrag, migrate).
pub fn replace(
    db_path: &Path,
    page_size: u32,
    fill: impl FnOnce(&mut Writer) -> Result<(), bbolt::Error>,
) -> Result<(), bbolt::Error> {
    let io = |e: io::Error| bbolt::Error::Io(e.to_string());
    let dir = db_path.parent().unwrap_or(Path::new("."));
    let tmp = PartFile::new(dir.join(format!("db.tmp.ectl-{}", std::process::id())));
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp.path())
        .map_err(|e| bbolt::Error::Io(go::path_error("open", tmp.path(), &e)))?;
    let mut writer = Writer::new(out, page_size).map_err(io)?;
    fill(&mut writer)?;
    writer.finish().map_err(io)?;
    std::fs::rename(tmp.path(), db_path).map_err(|e| {
        bbolt::Error::Io(format!(
            "rename {} {}: {e}",
            tmp.path().display(),
            db_path.display()
        ))
    })?;
    tmp.keep();
    File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
    Ok(())
}

const META_PAGE: u16 = 0x04;
const FREELIST_PAGE: u16 = 0x10;
const FREELIST_ID: u64 = 2;
const FIRST_DATA_PAGE: u64 = 3;
/// Fill pages to this share of their size, as etcd's defragmentation does.
const FILL_PERCENT: usize = 90;

/// One element waiting for its page: a leaf's key and value (with its flags), or a branch's
/// first key and child page id.
struct Element {
    key: Vec<u8>,
    value: Vec<u8>,
    flags: u32,
}

/// The pending page of one level of a tree.
#[derive(Default)]
struct Level {
    elements: Vec<Element>,
    /// Bytes the pending elements need: headers plus data.
    size: usize,
    /// Pages this level has written so far.
    written: usize,
}

/// One B+tree being written, bottom level first.
#[derive(Default)]
struct Tree {
    levels: Vec<Level>,
}

/// A database being written; see the module documentation.
pub struct Writer {
    out: BufWriter<File>,
    page_size: usize,
    next_page: u64,
    /// The top-level tree: one element per bucket.
    buckets: Tree,
    /// The bucket being filled, with its name and sequence.
    current: Option<(Vec<u8>, u64, Tree)>,
}

impl Writer {
    /// Starts a database in `file` (empty, opened for writing) with `page_size`-byte pages.
    pub fn new(file: File, page_size: u32) -> io::Result<Writer> {
        let page_size = page_size as usize;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.seek(SeekFrom::Start(FIRST_DATA_PAGE * page_size as u64))?;
        Ok(Writer {
            out,
            page_size,
            next_page: FIRST_DATA_PAGE,
            buckets: Tree::default(),
            current: None,
        })
    }

    /// Starts a bucket; its name must sort after the previous one's.
    pub fn bucket(&mut self, name: &[u8], sequence: u64) -> io::Result<()> {
        self.end_bucket()?;
        self.current = Some((name.to_vec(), sequence, Tree::default()));
        Ok(())
    }

    /// Adds a pair to the current bucket; keys must come in increasing order.
    pub fn put(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        let Some((name, sequence, mut tree)) = self.current.take() else {
            return Err(io::Error::other("a key outside any bucket"));
        };
        let element = Element {
            key: key.to_vec(),
            value: value.to_vec(),
            flags: 0,
        };
        let result = self.add(&mut tree, 0, element);
        self.current = Some((name, sequence, tree));
        result
    }

    /// Writes what is pending and the meta pages, and syncs the file to disk.
    pub fn finish(mut self) -> io::Result<File> {
        self.end_bucket()?;
        let mut buckets = std::mem::take(&mut self.buckets);
        let root = self.finish_tree(&mut buckets)?;
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        let high_water = self.next_page;
        file.set_len(high_water * self.page_size as u64)?;
        let mut freelist = vec![0u8; self.page_size];
        header(&mut freelist, FREELIST_ID, FREELIST_PAGE, 0, 0);
        file.write_all_at(&freelist, FREELIST_ID * self.page_size as u64)?;
        // The data must be durable before any meta page points at it.
        file.sync_all()?;
        for id in 0..2u64 {
            let page = meta_page(id, self.page_size, root, high_water, id + 1);
            file.write_all_at(&page, id * self.page_size as u64)?;
        }
        file.sync_all()?;
        Ok(file)
    }

    /// Closes the current bucket: its tree is written and its header goes to the top level.
    fn end_bucket(&mut self) -> io::Result<()> {
        let Some((name, sequence, mut tree)) = self.current.take() else {
            return Ok(());
        };
        // As bbolt does, a bucket whose one leaf takes at most a quarter page is stored inline,
        // in its header's value, instead of on a page of its own.
        let inline = match tree.levels.as_slice() {
            [] => true,
            [only] => only.written == 0 && only.size <= self.page_size / 4,
            _ => false,
        };
        let (root, page) = if inline {
            let elements = tree.levels.pop().map(|l| l.elements).unwrap_or_default();
            (0, render(&elements, true, 0)?)
        } else {
            (self.finish_tree(&mut tree)?, Vec::new())
        };
        let mut header = root.to_le_bytes().to_vec();
        header.extend_from_slice(&sequence.to_le_bytes());
        header.extend_from_slice(&page);
        let mut buckets = std::mem::take(&mut self.buckets);
        let result = self.add(
            &mut buckets,
            0,
            Element {
                key: name,
                value: header,
                flags: BUCKET_LEAF,
            },
        );
        self.buckets = buckets;
        result
    }

    /// Adds `element` to `level` of `tree`, writing the level's page first when it is full.
    fn add(&mut self, tree: &mut Tree, level: usize, element: Element) -> io::Result<()> {
        if tree.levels.len() <= level {
            tree.levels.push(Level::default());
        }
        let data = if level == 0 {
            element.key.len() + element.value.len()
        } else {
            element.key.len()
        };
        let pending = &tree.levels[level];
        let limit = self.page_size * FILL_PERCENT / 100;
        if !pending.elements.is_empty() && pending.size + ELEMENT + data > limit {
            self.write_level(tree, level)?;
        }
        let pending = &mut tree.levels[level];
        if pending.elements.is_empty() {
            pending.size = PAGE_HEADER;
        }
        pending.size += ELEMENT + data;
        pending.elements.push(element);
        Ok(())
    }

    /// Writes the pending page of `level` and hands its first key up to the level above.
    fn write_level(&mut self, tree: &mut Tree, level: usize) -> io::Result<u64> {
        let pending = std::mem::take(&mut tree.levels[level].elements);
        tree.levels[level].size = 0;
        tree.levels[level].written += 1;
        let id = self.write_page(&pending, level == 0)?;
        let first = pending
            .into_iter()
            .next()
            .map(|e| e.key)
            .unwrap_or_default();
        self.add(
            tree,
            level + 1,
            Element {
                key: first,
                value: id.to_le_bytes().to_vec(),
                flags: 0,
            },
        )?;
        Ok(id)
    }

    /// Writes every level's pending page, bottom up, and returns the root page's id: the first
    /// level that never filled a page holds the whole level in its one pending page.
    fn finish_tree(&mut self, tree: &mut Tree) -> io::Result<u64> {
        if tree.levels.is_empty() {
            tree.levels.push(Level::default());
        }
        let mut level = 0;
        loop {
            let top = level + 1 == tree.levels.len();
            if top && tree.levels[level].written == 0 {
                let elements = std::mem::take(&mut tree.levels[level].elements);
                return self.write_page(&elements, level == 0);
            }
            if !tree.levels[level].elements.is_empty() {
                self.write_level(tree, level)?;
            }
            level += 1;
        }
    }

    /// Writes one page (with overflow pages when its elements need them) at the end of the
    /// file and returns its id.
    fn write_page(&mut self, elements: &[Element], leaf: bool) -> io::Result<u64> {
        let id = self.next_page;
        let mut page = render(elements, leaf, id)?;
        let pages = page.len().div_ceil(self.page_size).max(1);
        let overflow = u32::try_from(pages - 1)
            .map_err(|_| io::Error::other("a value too large for a page"))?;
        page[12..16].copy_from_slice(&overflow.to_le_bytes());
        page.resize(pages * self.page_size, 0);
        self.out.write_all(&page)?;
        self.next_page += pages as u64;
        Ok(id)
    }
}

/// A page holding `elements` as a leaf or a branch, no longer than they need.
fn render(elements: &[Element], leaf: bool, id: u64) -> io::Result<Vec<u8>> {
    let data: usize = elements
        .iter()
        .map(|e| e.key.len() + if leaf { e.value.len() } else { 0 })
        .sum();
    let count = u16::try_from(elements.len())
        .map_err(|_| io::Error::other("more elements than a page can count"))?;
    let mut page = vec![0u8; PAGE_HEADER + elements.len() * ELEMENT + data];
    header(&mut page, id, if leaf { LEAF } else { BRANCH }, count, 0);
    let mut at = PAGE_HEADER + elements.len() * ELEMENT;
    for (i, e) in elements.iter().enumerate() {
        let elem = PAGE_HEADER + i * ELEMENT;
        let pos = (at - elem) as u32;
        let ksize = e.key.len() as u32;
        if leaf {
            page[elem..elem + 4].copy_from_slice(&e.flags.to_le_bytes());
            page[elem + 4..elem + 8].copy_from_slice(&pos.to_le_bytes());
            page[elem + 8..elem + 12].copy_from_slice(&ksize.to_le_bytes());
            page[elem + 12..elem + 16].copy_from_slice(&(e.value.len() as u32).to_le_bytes());
        } else {
            page[elem..elem + 4].copy_from_slice(&pos.to_le_bytes());
            page[elem + 4..elem + 8].copy_from_slice(&ksize.to_le_bytes());
            page[elem + 8..elem + 16].copy_from_slice(&e.value);
        }
        page[at..at + e.key.len()].copy_from_slice(&e.key);
        at += e.key.len();
        if leaf {
            page[at..at + e.value.len()].copy_from_slice(&e.value);
            at += e.value.len();
        }
    }
    Ok(page)
}

fn header(page: &mut [u8], id: u64, flags: u16, count: u16, overflow: u32) {
    page[0..8].copy_from_slice(&id.to_le_bytes());
    page[8..10].copy_from_slice(&flags.to_le_bytes());
    page[10..12].copy_from_slice(&count.to_le_bytes());
    page[12..16].copy_from_slice(&overflow.to_le_bytes());
}

fn meta_page(id: u64, page_size: usize, root: u64, high_water: u64, txid: u64) -> Vec<u8> {
    let mut page = vec![0u8; page_size];
    header(&mut page, id, META_PAGE, 0, 0);
    let m = &mut page[PAGE_HEADER..PAGE_HEADER + 64];
    m[0..4].copy_from_slice(&MAGIC.to_le_bytes());
    m[4..8].copy_from_slice(&VERSION.to_le_bytes());
    m[8..12].copy_from_slice(&(page_size as u32).to_le_bytes());
    m[16..24].copy_from_slice(&root.to_le_bytes());
    m[32..40].copy_from_slice(&FREELIST_ID.to_le_bytes());
    m[40..48].copy_from_slice(&high_water.to_le_bytes());
    m[48..56].copy_from_slice(&txid.to_le_bytes());
    let sum = fnv64a(&m[..56]);
    m[56..64].copy_from_slice(&sum.to_le_bytes());
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::bbolt::{Db, Item};

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;
    /// Buckets by name, with their pairs.
    type Buckets = Vec<(Vec<u8>, Pairs)>;

    /// Writes `buckets` and reads them back through the reader.
    fn round_trip(buckets: &Buckets, page_size: u32) -> Buckets {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut w = Writer::new(f.reopen().unwrap(), page_size).unwrap();
        for (name, pairs) in buckets {
            w.bucket(name, 7).unwrap();
            for (k, v) in pairs {
                w.put(k, v).unwrap();
            }
        }
        w.finish().unwrap();
        let db = Db::open(f.path()).unwrap();
        assert_eq!(db.page_size(), page_size);
        let mut read: Buckets = Vec::new();
        db.for_each(&mut |item| {
            match item {
                Item::Bucket { name, sequence } => {
                    assert_eq!(sequence, 7);
                    read.push((name.to_vec(), Vec::new()));
                }
                Item::Pair { key, value } => read
                    .last_mut()
                    .unwrap()
                    .1
                    .push((key.to_vec(), value.to_vec())),
            }
            Ok(())
        })
        .unwrap();
        read
    }

    #[test]
    fn deep_trees_overflow_values_and_empty_buckets_read_back() {
        let many: Vec<(Vec<u8>, Vec<u8>)> = (0..20_000u32)
            .map(|i| (i.to_be_bytes().to_vec(), format!("value {i}").into_bytes()))
            .collect();
        let big = vec![
            (b"a".to_vec(), vec![1u8; 10_000]),
            (b"b".to_vec(), vec![2u8; 3]),
            (b"c".to_vec(), vec![3u8; 70_000]),
        ];
        let small = vec![
            (b"x".to_vec(), b"1".to_vec()),
            (b"y".to_vec(), b"2".to_vec()),
        ];
        let buckets: Buckets = vec![
            (b"big".to_vec(), big),
            (b"empty".to_vec(), Vec::new()),
            (b"key".to_vec(), many),
            (b"small".to_vec(), small),
        ];
        for page_size in [512, 4096] {
            let read = round_trip(&buckets, page_size);
            assert_eq!(read.len(), buckets.len());
            for ((name, pairs), (rname, rpairs)) in buckets.iter().zip(&read) {
                assert_eq!(name, rname);
                assert!(
                    pairs == rpairs,
                    "bucket {:?} differs at page size {page_size}",
                    String::from_utf8_lossy(name)
                );
            }
        }
    }

    #[test]
    fn an_empty_database_is_bbolts_four_pages() {
        let f = tempfile::NamedTempFile::new().unwrap();
        Writer::new(f.reopen().unwrap(), 4096)
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(std::fs::metadata(f.path()).unwrap().len(), 4 * 4096);
        let status = crate::storage::bbolt::status(f.path()).unwrap();
        assert_eq!((status.total_key, status.total_size), (0, 4 * 4096));
    }
}
