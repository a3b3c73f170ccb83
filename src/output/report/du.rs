//! `du`'s per-prefix usage and its renderings: a table, tab-separated lines, JSON (prefixes in
//! base64, as etcdctl's JSON carries keys).

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::Report;
use crate::output::{PrintOptions, ResponseKind};
use crate::pb::mvccpb::KeyValue;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub keys: u64,
    pub key_bytes: u64,
    pub value_bytes: u64,
    pub leased: u64,
    #[serde(skip)]
    version_sum: u64,
    pub max_version: i64,
}

impl Usage {
    pub fn add(&mut self, kv: &KeyValue) {
        self.keys += 1;
        self.key_bytes += kv.key.len() as u64;
        self.value_bytes += kv.value.len() as u64;
        self.leased += u64::from(kv.lease != 0);
        self.version_sum += kv.version.max(0) as u64;
        self.max_version = self.max_version.max(kv.version);
    }

    pub fn bytes(&self) -> u64 {
        self.key_bytes + self.value_bytes
    }

    pub fn avg_version(&self) -> f64 {
        if self.keys == 0 {
            0.0
        } else {
            self.version_sum as f64 / self.keys as f64
        }
    }
}

#[derive(Default)]
pub struct UsageReport {
    pub revision: i64,
    /// Largest first, already cut to `--top`.
    pub rows: Vec<(Vec<u8>, Usage)>,
    pub total: Usage,
    /// Byte counts in the table as go-humanize's sizes (`1.2 MB`): for a person at a terminal;
    /// a pipe and the other formats get exact numbers.
    pub human_sizes: bool,
}

const COLUMNS: [&str; 8] = [
    "prefix",
    "keys",
    "key bytes",
    "value bytes",
    "total",
    "leased",
    "avg version",
    "max version",
];

fn cells(usage: &Usage, human_sizes: bool) -> [String; 7] {
    let size = |bytes: u64| {
        if human_sizes {
            crate::go::humanize_bytes(bytes)
        } else {
            bytes.to_string()
        }
    };
    [
        usage.keys.to_string(),
        size(usage.key_bytes),
        size(usage.value_bytes),
        size(usage.bytes()),
        usage.leased.to_string(),
        format!("{:.1}", usage.avg_version()),
        usage.max_version.to_string(),
    ]
}

#[derive(Serialize)]
struct JsonRow<'a> {
    prefix: String,
    #[serde(flatten)]
    usage: &'a Usage,
    avg_version: f64,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    revision: i64,
    prefixes: Vec<JsonRow<'a>>,
    total: JsonRow<'a>,
}

impl Report for UsageReport {
    fn kind(&self) -> ResponseKind {
        ResponseKind::Report
    }

    /// Tab-separated: keys, key bytes, value bytes, total, leased, avg and max version, then the
    /// prefix as raw bytes (last, so any bytes may follow); a final `(total)` line.
    fn simple(&self, out: &mut dyn Write, _style: &PrintOptions) -> io::Result<()> {
        let line = |out: &mut dyn Write, name: &[u8], usage: &Usage| {
            out.write_all(cells(usage, false).join("\t").as_bytes())?;
            out.write_all(b"\t")?;
            out.write_all(name)?;
            out.write_all(b"\n")
        };
        for (prefix, usage) in &self.rows {
            line(out, prefix, usage)?;
        }
        line(out, b"(total)", &self.total)
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let row = |prefix: &[u8], usage| JsonRow {
            prefix: STANDARD.encode(prefix),
            usage,
            avg_version: (usage.avg_version() * 100.0).round() / 100.0,
        };
        let json = JsonReport {
            revision: self.revision,
            prefixes: self.rows.iter().map(|(p, u)| row(p, u)).collect(),
            total: row(b"", &self.total),
        };
        serde_json::to_writer(&mut *out, &json)?;
        writeln!(out)
    }

    /// At its natural width on a terminal too: figures and prefixes read badly wrapped.
    fn table(&self, out: &mut dyn Write, _: Option<u16>, _: bool) -> io::Result<()> {
        let row = |name: String, usage: &Usage| {
            std::iter::once(name)
                .chain(cells(usage, self.human_sizes))
                .collect()
        };
        let mut rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|(prefix, usage)| row(String::from_utf8_lossy(prefix).into_owned(), usage))
            .collect();
        rows.push(row(
            format!("(total at revision {})", self.revision),
            &self.total,
        ));
        crate::output::table::report_table(out, &COLUMNS, &rows, None, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::written;

    fn report() -> UsageReport {
        let mut a = Usage::default();
        a.add(&KeyValue {
            key: b"/a/1".to_vec(),
            value: b"xyz".to_vec(),
            lease: 7,
            version: 3,
            ..Default::default()
        });
        a.add(&KeyValue {
            key: b"/a/2".to_vec(),
            value: b"x".to_vec(),
            version: 1,
            ..Default::default()
        });
        UsageReport {
            revision: 9,
            rows: vec![(b"/a/".to_vec(), a)],
            total: a,
            human_sizes: false,
        }
    }

    #[test]
    fn renderings() {
        assert_eq!(
            written(|out| report().simple(out, &PrintOptions::default())),
            "2\t8\t4\t12\t1\t2.0\t3\t/a/\n2\t8\t4\t12\t1\t2.0\t3\t(total)\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&written(|out| report().json(out))).unwrap();
        assert_eq!(v["prefixes"][0]["prefix"], "L2Ev");
        assert_eq!(v["prefixes"][0]["value_bytes"], 4);
        assert_eq!(v["total"]["leased"], 1);
        assert_eq!(v["total"]["avg_version"], 2.0);
        let text = written(|out| report().table(out, None, false));
        assert!(text.contains("(total at revision 9)"), "{text}");
        assert!(text.contains("VALUE BYTES"), "{text}");
        // Prefixes read from the left; sizes for a person, exact numbers otherwise.
        assert!(text.contains("| /a/ "), "{text}");
        let mut big = report();
        big.rows[0].1.value_bytes = 1_234_567;
        big.human_sizes = true;
        let text = written(|out| big.table(out, None, false));
        assert!(text.contains(" 1.2 MB |"), "{text}");
        assert!(!text.contains("1234567"), "{text}");
        assert!(written(|out| big.simple(out, &PrintOptions::default())).contains("\t1234567\t"));
    }
}
