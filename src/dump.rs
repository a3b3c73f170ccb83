//! The dump format: keys as newline-delimited JSON, written by `del --save-undo` (and issue 10's
//! `export`), read back by `import`. Defined here once so writer and reader cannot drift.
//!
//! ```text
//! {"format":"ectl-dump","version":1,"cluster_id":14841639068965178418,"revision":42}
//! {"key":"Zm9v","value":"YmFy","lease":0,"create_revision":2,"mod_revision":5,"version":2}
//! ```
//!
//! The first line is the header: the cluster the keys came from and the revision at which they
//! were read (for `--save-undo`, the last revision before the delete). Every further line is one
//! key, with the field names of etcdctl's `get -w json`: key and value in base64 (keys need not
//! be UTF-8), the lease ID (0 for none; a lease may be gone by the time the file is imported),
//! create and mod revisions and version as they were. Lines are in key order.

use std::io::{self, BufRead, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::pb::mvccpb::KeyValue;

pub const FORMAT: &str = "ectl-dump";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub cluster_id: u64,
    pub revision: i64,
}

impl Header {
    pub fn new(cluster_id: u64, revision: i64) -> Header {
        Header {
            format: FORMAT.into(),
            version: VERSION,
            cluster_id,
            revision,
        }
    }
}

/// One key as stored in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    key: String,
    value: String,
    lease: i64,
    create_revision: i64,
    mod_revision: i64,
    version: i64,
}

/// Writes the header, then [`Writer::key`] per key.
pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    pub fn new(mut out: W, header: &Header) -> io::Result<Writer<W>> {
        write_header(&mut out, header)?;
        Ok(Writer { out })
    }

    pub fn key(&mut self, kv: &KeyValue) -> io::Result<()> {
        write_key(&mut self.out, kv)
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The header line, for a writer that streams pages itself (`export`).
pub fn write_header(out: &mut dyn Write, header: &Header) -> io::Result<()> {
    serde_json::to_writer(&mut *out, header)?;
    out.write_all(b"\n")
}

/// One key's line; after [`write_header`], or appended to a dump cut short (`export --after`).
pub fn write_key(out: &mut dyn Write, kv: &KeyValue) -> io::Result<()> {
    let record = Record {
        key: STANDARD.encode(&kv.key),
        value: STANDARD.encode(&kv.value),
        lease: kv.lease,
        create_revision: kv.create_revision,
        mod_revision: kv.mod_revision,
        version: kv.version,
    };
    serde_json::to_writer(&mut *out, &record)?;
    out.write_all(b"\n")
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("line {line}: {message}")]
    Malformed { line: usize, message: String },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Reads a dump: its header, then its keys one at a time, so a file of any size streams.
pub struct Reader<R: BufRead> {
    lines: io::Lines<R>,
    line: usize,
    pub header: Header,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Result<Reader<R>, ReadError> {
        let mut lines = input.lines();
        let first = lines.next().transpose()?.unwrap_or_default();
        let header: Header = serde_json::from_str(&first).map_err(|e| ReadError::Malformed {
            line: 1,
            message: format!("not an {FORMAT} header: {e}"),
        })?;
        if header.format != FORMAT || header.version != VERSION {
            return Err(ReadError::Malformed {
                line: 1,
                message: format!(
                    "format {:?} version {} (expected {FORMAT:?} version {VERSION})",
                    header.format, header.version
                ),
            });
        }
        Ok(Reader {
            lines,
            line: 1,
            header,
        })
    }

    /// The next key, `None` at the end of the file.
    pub fn next_key(&mut self) -> Result<Option<KeyValue>, ReadError> {
        let text = loop {
            let Some(text) = self.lines.next().transpose()? else {
                return Ok(None);
            };
            self.line += 1;
            // A blank line (an editor's trailing newline) holds no key.
            if !text.trim().is_empty() {
                break text;
            }
        };
        let line = self.line;
        let malformed = |message: String| ReadError::Malformed { line, message };
        let record: Record = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
        let decode = |field: &str, text: &str| {
            STANDARD
                .decode(text)
                .map_err(|e| malformed(format!("{field}: {e}")))
        };
        Ok(Some(KeyValue {
            key: decode("key", &record.key)?,
            value: decode("value", &record.value)?,
            lease: record.lease,
            create_revision: record.create_revision,
            mod_revision: record.mod_revision,
            version: record.version,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_bytes_and_metadata() {
        let kvs = [
            KeyValue {
                key: b"a".to_vec(),
                value: b"1".to_vec(),
                lease: 0,
                create_revision: 2,
                mod_revision: 3,
                version: 2,
            },
            KeyValue {
                key: vec![0xff, 0, b'\n'],
                value: vec![],
                lease: 0x1234,
                create_revision: 4,
                mod_revision: 4,
                version: 1,
            },
        ];
        let mut writer = Writer::new(Vec::new(), &Header::new(u64::MAX, 9)).unwrap();
        for kv in &kvs {
            writer.key(kv).unwrap();
        }
        let bytes = writer.into_inner();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(
            "{\"format\":\"ectl-dump\",\"version\":1,\"cluster_id\":18446744073709551615,\"revision\":9}\n{\"key\":\"YQ==\""
        ), "{text}");
        let mut reader = Reader::new(bytes.as_slice()).unwrap();
        assert_eq!(reader.header, Header::new(u64::MAX, 9));
        let mut read = Vec::new();
        while let Some(kv) = reader.next_key().unwrap() {
            read.push(kv);
        }
        assert_eq!(read, kvs);
    }

    #[test]
    fn bad_files_name_the_line() {
        assert!(Reader::new(&b"{}\n"[..]).is_err());
        let mut bytes = Vec::new();
        Writer::new(&mut bytes, &Header::new(1, 1)).unwrap();
        bytes.extend_from_slice(b"{\"key\":\"!\",\"value\":\"\",\"lease\":0,\"create_revision\":1,\"mod_revision\":1,\"version\":1}\n");
        let err = Reader::new(bytes.as_slice())
            .unwrap()
            .next_key()
            .unwrap_err();
        assert!(err.to_string().starts_with("line 2: key:"), "{err}");
    }
}
