//! `diff`'s differences and their renderings: a unified-diff-like listing and JSON.

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::Report;
use crate::go::quote as go_quote;
use crate::output::{PrintOptions, ResponseKind};
use crate::pb::mvccpb::KeyValue;

/// One side of a comparison: what it is and the revision it was read at.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub label: String,
    pub revision: i64,
}

impl Side {
    /// `revision N`, after the label when there is one.
    fn heading(&self) -> String {
        if self.label.is_empty() {
            format!("revision {}", self.revision)
        } else {
            format!("{} (revision {})", self.label, self.revision)
        }
    }
}

/// A key that differs: only in `a` (deleted), only in `b` (added), or in both (changed).
#[derive(Debug, Clone)]
pub struct Difference {
    pub a: Option<KeyValue>,
    pub b: Option<KeyValue>,
}

pub struct Comparison {
    pub a: Side,
    pub b: Side,
    pub differences: Vec<Difference>,
    /// Values were not read (member views compare revisions only).
    pub keys_only: bool,
}

/// Every comparison `diff` made, as one report (the member views make one per member).
pub struct Comparisons<'a>(pub &'a [Comparison]);

impl Report for Comparisons<'_> {
    fn kind(&self) -> ResponseKind {
        ResponseKind::Listing
    }
    fn simple(&self, out: &mut dyn Write, _style: &PrintOptions) -> io::Result<()> {
        unified(self.0, out)
    }
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(self.0, out)
    }
}

/// Values longer than this are shown by size only.
const SHOWN_VALUE_BYTES: usize = 64;

fn describe(kv: &KeyValue, keys_only: bool) -> String {
    let key = go_quote(&kv.key);
    if keys_only {
        return format!(
            "{key} (mod revision {}, version {})",
            kv.mod_revision, kv.version
        );
    }
    if kv.value.len() > SHOWN_VALUE_BYTES {
        format!(
            "{key} = {}... ({} bytes)",
            go_quote(&kv.value[..SHOWN_VALUE_BYTES]),
            kv.value.len()
        )
    } else {
        format!("{key} = {}", go_quote(&kv.value))
    }
}

/// `--- a` / `+++ b` headers, then `-` lines for what only `a` has (or had), `+` for `b`'s;
/// nothing at all for an equal comparison, as diff(1).
fn unified(comparisons: &[Comparison], out: &mut dyn Write) -> io::Result<()> {
    for c in comparisons.iter().filter(|c| !c.differences.is_empty()) {
        writeln!(out, "--- {}", c.a.heading())?;
        writeln!(out, "+++ {}", c.b.heading())?;
        for d in &c.differences {
            if let Some(a) = &d.a {
                writeln!(out, "-{}", describe(a, c.keys_only))?;
            }
            if let Some(b) = &d.b {
                writeln!(out, "+{}", describe(b, c.keys_only))?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonKv {
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    lease: i64,
    create_revision: i64,
    mod_revision: i64,
    version: i64,
}

#[derive(Serialize)]
struct JsonDifference {
    key: String,
    change: &'static str,
    a: Option<JsonKv>,
    b: Option<JsonKv>,
}

#[derive(Serialize)]
struct JsonComparison<'a> {
    a: &'a Side,
    b: &'a Side,
    differences: Vec<JsonDifference>,
}

fn json(comparisons: &[Comparison], out: &mut dyn Write) -> io::Result<()> {
    let side = |kv: &Option<KeyValue>, keys_only: bool| {
        kv.as_ref().map(|kv| JsonKv {
            value: (!keys_only).then(|| STANDARD.encode(&kv.value)),
            lease: kv.lease,
            create_revision: kv.create_revision,
            mod_revision: kv.mod_revision,
            version: kv.version,
        })
    };
    let all: Vec<JsonComparison> = comparisons
        .iter()
        .map(|c| JsonComparison {
            a: &c.a,
            b: &c.b,
            differences: c
                .differences
                .iter()
                .map(|d| JsonDifference {
                    key: STANDARD
                        .encode(d.a.as_ref().or(d.b.as_ref()).map_or(&[][..], |kv| &kv.key)),
                    change: match (&d.a, &d.b) {
                        (Some(_), None) => "deleted",
                        (None, Some(_)) => "added",
                        _ => "changed",
                    },
                    a: side(&d.a, c.keys_only),
                    b: side(&d.b, c.keys_only),
                })
                .collect(),
        })
        .collect();
    serde_json::to_writer(&mut *out, &serde_json::json!({ "comparisons": all }))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(key: &str, value: &str) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.into(),
            mod_revision: 3,
            version: 1,
            ..Default::default()
        }
    }

    fn comparison() -> Comparison {
        Comparison {
            a: Side {
                label: String::new(),
                revision: 2,
            },
            b: Side {
                label: "b:1".into(),
                revision: 5,
            },
            differences: vec![
                Difference {
                    a: Some(kv("b", "1")),
                    b: Some(kv("b", "2")),
                },
                Difference {
                    a: None,
                    b: Some(kv("c", &"x".repeat(70))),
                },
            ],
            keys_only: false,
        }
    }

    #[test]
    fn unified_listing() {
        let mut out = Vec::new();
        unified(&[comparison()], &mut out).unwrap();
        let expected = format!(
            "--- revision 2\n+++ b:1 (revision 5)\n-\"b\" = \"1\"\n+\"b\" = \"2\"\n+\"c\" = \"{}\"... (70 bytes)\n",
            "x".repeat(64)
        );
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let mut equal = comparison();
        equal.differences.clear();
        let mut out = Vec::new();
        unified(&[equal], &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn json_listing() {
        let mut out = Vec::new();
        json(&[comparison()], &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let d = &v["comparisons"][0]["differences"];
        assert_eq!(d[0]["change"], "changed");
        assert_eq!(d[0]["key"], "Yg==");
        assert_eq!(d[1]["change"], "added");
        assert!(d[1]["a"].is_null());
    }
}
