//! Printers for `snapshot status`: hash, revision, key count and size of a snapshot file.

use std::io;

use super::fields::FieldsPrinter;
use super::json::JsonPrinter;
use super::simple::SimplePrinter;
use super::table::{TablePrinter, ascii_table};
use super::{Fallback, ResponseKind};
use crate::go::humanize_bytes;
use crate::storage::DbStatus;

pub trait SnapshotPrinter: Fallback {
    /// A snapshot file's status is etcdctl's own struct, not a message.
    fn db_status(&mut self, _status: &DbStatus) -> io::Result<()> {
        self.fallback(ResponseKind::DbStatus, None)
    }
}

fn rows(s: &DbStatus) -> Vec<Vec<String>> {
    vec![vec![
        format!("{:x}", s.hash),
        s.revision.to_string(),
        s.total_key.to_string(),
        humanize_bytes(s.total_size),
    ]]
}

impl SnapshotPrinter for SimplePrinter<'_> {
    fn db_status(&mut self, status: &DbStatus) -> io::Result<()> {
        self.comma_lines(&rows(status))
    }
}

impl SnapshotPrinter for TablePrinter<'_> {
    fn db_status(&mut self, status: &DbStatus) -> io::Result<()> {
        ascii_table(
            self.out,
            &["hash", "revision", "total keys", "total size"],
            &rows(status),
        )
    }
}

impl SnapshotPrinter for JsonPrinter<'_> {
    /// Go's json of the `Status` struct: no `omitempty`, so zeros print too.
    fn db_status(&mut self, s: &DbStatus) -> io::Result<()> {
        writeln!(
            self.out,
            "{{\"hash\":{},\"revision\":{},\"totalKey\":{},\"totalSize\":{}}}",
            s.hash, s.revision, s.total_key, s.total_size
        )
    }
}

impl SnapshotPrinter for FieldsPrinter<'_> {
    fn db_status(&mut self, s: &DbStatus) -> io::Result<()> {
        write!(
            self.out,
            "\"Hash\" : {}\n\"Revision\" : {}\n\"Keys\" : {}\n\"Size\" : {}\n",
            s.hash, s.revision, s.total_key, s.total_size
        )
    }
}
