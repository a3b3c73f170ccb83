//! `del --dry-run`'s report (ectl only): how many keys a delete would remove, at which
//! revision, the first and last key and the first few, in the simple and JSON formats.

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::go::quote as go_quote;

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

pub(super) fn json(preview: &Preview, out: &mut dyn Write) -> io::Result<()> {
    let report = PreviewJson {
        revision: preview.revision,
        count: preview.count,
        first: preview.sample.first().map(|k| STANDARD.encode(k)),
        last: preview.last.as_ref().map(|k| STANDARD.encode(k)),
        sample: preview.sample.iter().map(|k| STANDARD.encode(k)).collect(),
    };
    serde_json::to_writer(&mut *out, &report)?;
    writeln!(out)
}

pub(super) fn simple(preview: &Preview, out: &mut dyn Write) -> io::Result<()> {
    let keys = if preview.count == 1 { "key" } else { "keys" };
    writeln!(
        out,
        "dry run: would delete {} {keys} (at revision {}); nothing was deleted",
        preview.count, preview.revision
    )?;
    if let (Some(first), Some(last)) = (preview.sample.first(), &preview.last) {
        writeln!(out, "first: {}", go_quote(first))?;
        writeln!(out, "last:  {}", go_quote(last))?;
        writeln!(out, "sample:")?;
        for key in &preview.sample {
            writeln!(out, "  {}", go_quote(key))?;
        }
        if preview.count > preview.sample.len() as i64 {
            writeln!(
                out,
                "  ... and {} more",
                preview.count - preview.sample.len() as i64
            )?;
        }
    }
    Ok(())
}
