//! `-w table` for cluster responses: member lists and endpoint results as etcdctl's ASCII tables.

use std::io;

use super::rows::{hash_rows, health_rows, member_rows, status_rows};
use super::{ClusterPrinter, EndpointHash, EndpointHealth, EndpointStatus};
use crate::output::table::{TablePrinter, ascii_table};
use crate::pb::etcdserverpb::MemberListResponse;

impl ClusterPrinter for TablePrinter<'_> {
    fn member_list(&mut self, resp: &MemberListResponse) -> io::Result<()> {
        let (header, rows) = member_rows(resp);
        ascii_table(self.out, &header, &rows)
    }

    fn endpoint_health(&mut self, list: &[EndpointHealth]) -> io::Result<()> {
        let (header, rows) = health_rows(list);
        ascii_table(self.out, &header, &rows)
    }

    fn endpoint_status(&mut self, list: &[EndpointStatus]) -> io::Result<()> {
        let (header, rows) = status_rows(list);
        ascii_table(self.out, &header, &rows)
    }

    fn endpoint_hash(&mut self, list: &[EndpointHash]) -> io::Result<()> {
        let (header, rows) = hash_rows(list);
        ascii_table(self.out, &header, &rows)
    }
}
