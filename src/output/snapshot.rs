//! Printers for `snapshot status`: hash, revision, key count and size of a snapshot file.

use std::io;

use super::cluster::{ascii_table, comma_lines, humanize_bytes, unsupported};
use super::fields::FieldsPrinter;
use super::json::JsonPrinter;
use super::protobuf::ProtobufPrinter;
use super::simple::SimplePrinter;
use super::table::TablePrinter;
use crate::storage::DbStatus;

pub trait SnapshotPrinter {
    fn db_status(&mut self, status: &DbStatus) -> io::Result<()>;
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
        comma_lines(self.out, &rows(status))
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

impl SnapshotPrinter for ProtobufPrinter<'_> {
    fn db_status(&mut self, _: &DbStatus) -> io::Result<()> {
        unsupported("protobuf")
    }
}
