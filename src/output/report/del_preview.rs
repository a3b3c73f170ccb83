//! `del --dry-run`'s report (ectl only): how many keys a delete would remove, at which
//! revision, the first and last key and the first few, in the simple and JSON formats.

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::Report;
use crate::go::quote as go_quote;
use crate::output::{PrintOptions, ResponseKind};

/// What a delete would remove, read at one revision.
#[derive(Debug)]
pub struct Preview {
    pub revision: i64,
    pub count: i64,
    /// The first keys of the range, as many as the preview asked for.
    pub sample: Vec<Vec<u8>>,
    pub last: Option<Vec<u8>>,
}

#[derive(Serialize)]
struct PreviewJson {
    revision: i64,
    count: i64,
    first: Option<String>,
    last: Option<String>,
    sample: Vec<String>,
}

impl Report for Preview {
    fn kind(&self) -> ResponseKind {
        ResponseKind::Listing
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let report = PreviewJson {
            revision: self.revision,
            count: self.count,
            first: self.sample.first().map(|k| STANDARD.encode(k)),
            last: self.last.as_ref().map(|k| STANDARD.encode(k)),
            sample: self.sample.iter().map(|k| STANDARD.encode(k)).collect(),
        };
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)
    }

    fn simple(&self, out: &mut dyn Write, _style: &PrintOptions) -> io::Result<()> {
        let keys = if self.count == 1 { "key" } else { "keys" };
        writeln!(
            out,
            "dry run: would delete {} {keys} (at revision {}); nothing was deleted",
            self.count, self.revision
        )?;
        if let (Some(first), Some(last)) = (self.sample.first(), &self.last) {
            writeln!(out, "first: {}", go_quote(first))?;
            writeln!(out, "last:  {}", go_quote(last))?;
            writeln!(out, "sample:")?;
            for key in &self.sample {
                writeln!(out, "  {}", go_quote(key))?;
            }
            if self.count > self.sample.len() as i64 {
                writeln!(
                    out,
                    "  ... and {} more",
                    self.count - self.sample.len() as i64
                )?;
            }
        }
        Ok(())
    }
}
