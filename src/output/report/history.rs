//! `history`'s report: every retained version of a key or range, as lines or JSON.

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::Report;
use crate::go::quote as go_quote;
use crate::output::{PrintOptions, ResponseKind};
use crate::pb::mvccpb::KeyValue;

/// Every version of a range still held, oldest first.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The compaction that removed older versions (0: none): each key's version at that
    /// revision is the oldest one left.
    pub compacted: i64,
    pub versions: Vec<Version>,
    /// Values are left out (`--size-only`).
    pub size_only: bool,
}

/// One version: a put (the key-value as stored) or a deletion (the key and its revision).
#[derive(Debug, Clone)]
pub struct Version {
    pub deleted: bool,
    pub kv: KeyValue,
    /// With `--diff`, the lines that changed since the key's version before: `-` and `+` lines.
    pub diff: Option<Vec<String>>,
}

impl History {
    /// The line that says where the history starts.
    fn heading(&self) -> Option<String> {
        (self.compacted > 0).then(|| {
            format!(
                "compacted at revision {}: older versions are gone",
                self.compacted
            )
        })
    }
}

impl Report for History {
    fn kind(&self) -> ResponseKind {
        ResponseKind::Listing
    }
    fn simple(&self, out: &mut dyn Write, style: &PrintOptions) -> io::Result<()> {
        // A decoded object ends in a newline, which the listing adds itself.
        let render = |value: &[u8]| match style.decode.and_then(|d| crate::k8s::render(value, d)) {
            Some(mut text) => {
                text.pop();
                text
            }
            None => value.to_vec(),
        };
        simple(self, &render, out)
    }
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(self, out)
    }
}

/// A version's line: its revision, what happened, the key, and the put's details.
fn describe(v: &Version) -> String {
    let kv = &v.kv;
    let key = go_quote(&kv.key);
    if v.deleted {
        return format!("{} DELETE {key}", kv.mod_revision);
    }
    format!(
        "{} PUT {key} create_revision={} version={} lease={} size={}",
        kv.mod_revision,
        kv.create_revision,
        kv.version,
        kv.lease,
        kv.value.len()
    )
}

/// A line per version, then its value (`render` shows it: raw or decoded), or its diff lines.
fn simple(
    history: &History,
    render: &dyn Fn(&[u8]) -> Vec<u8>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if let Some(heading) = history.heading() {
        writeln!(out, "# {heading}")?;
    }
    for v in &history.versions {
        writeln!(out, "{}", describe(v))?;
        match (&v.diff, v.deleted || history.size_only) {
            (Some(lines), _) => {
                for line in lines {
                    writeln!(out, "{line}")?;
                }
            }
            (None, true) => {}
            (None, false) => {
                out.write_all(&render(&v.kv.value))?;
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonVersion<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    key: String,
    mod_revision: i64,
    create_revision: i64,
    version: i64,
    lease: i64,
    size: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<&'a [String]>,
}

#[derive(Serialize)]
struct JsonHistory<'a> {
    compact_revision: i64,
    versions: Vec<JsonVersion<'a>>,
}

/// One object: the compaction and every version, keys and values in base64 as etcdctl's JSON
/// has them.
fn json(history: &History, out: &mut dyn Write) -> io::Result<()> {
    let versions = history
        .versions
        .iter()
        .map(|v| JsonVersion {
            kind: if v.deleted { "DELETE" } else { "PUT" },
            key: STANDARD.encode(&v.kv.key),
            mod_revision: v.kv.mod_revision,
            create_revision: v.kv.create_revision,
            version: v.kv.version,
            lease: v.kv.lease,
            size: v.kv.value.len(),
            value: (!v.deleted && !history.size_only).then(|| STANDARD.encode(&v.kv.value)),
            diff: v.diff.as_deref(),
        })
        .collect();
    serde_json::to_writer(
        &mut *out,
        &JsonHistory {
            compact_revision: history.compacted,
            versions,
        },
    )?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> History {
        let put = |rev, value: &str| Version {
            deleted: false,
            kv: KeyValue {
                key: b"k".to_vec(),
                value: value.into(),
                create_revision: 2,
                mod_revision: rev,
                version: rev - 1,
                lease: 0,
            },
            diff: None,
        };
        History {
            compacted: 3,
            versions: vec![
                put(3, "a"),
                put(4, "b"),
                Version {
                    deleted: true,
                    kv: KeyValue {
                        key: b"k".to_vec(),
                        mod_revision: 5,
                        ..KeyValue::default()
                    },
                    diff: None,
                },
            ],
            size_only: false,
        }
    }

    #[test]
    fn simple_lines() {
        let mut out = Vec::new();
        simple(&sample(), &|v| v.to_vec(), &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "# compacted at revision 3: older versions are gone\n\
             3 PUT \"k\" create_revision=2 version=2 lease=0 size=1\na\n\
             4 PUT \"k\" create_revision=2 version=3 lease=0 size=1\nb\n\
             5 DELETE \"k\"\n"
        );
    }

    #[test]
    fn json_object() {
        let mut history = sample();
        history.size_only = true;
        let mut out = Vec::new();
        json(&history, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(
            "{\"compact_revision\":3,\"versions\":[{\"type\":\"PUT\",\"key\":\"aw==\""
        ));
        assert!(!text.contains("\"value\""));
        assert!(text.contains("{\"type\":\"DELETE\",\"key\":\"aw==\",\"mod_revision\":5"));
    }
}
