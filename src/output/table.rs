//! `-w table`. etcdctl draws tables only for cluster-maintenance responses (member list, endpoint
//! status, health and hash, snapshot status); none of those is printed yet, and
//! [`Format::supports`](super::Format::supports) rejects key-value responses before any request
//! is sent, so these methods are never reached. Should they be, they fail instead of printing.

use std::io::{self, Write};

use super::Printer;
use crate::pb::etcdserverpb::{DeleteRangeResponse, PutResponse, RangeResponse, TxnResponse};

pub struct TablePrinter<'w> {
    pub(super) out: &'w mut dyn Write,
}

/// etcdctl's message for a response the table format cannot print.
fn unsupported() -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "table not supported as output format",
    ))
}

impl Printer for TablePrinter<'_> {
    fn get(&mut self, _: &RangeResponse) -> io::Result<()> {
        unsupported()
    }

    fn put(&mut self, _: &PutResponse) -> io::Result<()> {
        unsupported()
    }

    fn del(&mut self, _: &DeleteRangeResponse) -> io::Result<()> {
        unsupported()
    }

    fn txn(&mut self, _: &TxnResponse) -> io::Result<()> {
        unsupported()
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use crate::error::ExitCode;
    use crate::output::protobuf::fixtures::*;
    use crate::output::{Format, PrintOptions, ResponseKind, printer};

    #[test]
    fn key_value_responses_are_refused_without_output() {
        for kind in [
            ResponseKind::Get,
            ResponseKind::Put,
            ResponseKind::Del,
            ResponseKind::Txn,
        ] {
            // etcdctl 3.4.23: "Error: table not supported as output format", exit status 4.
            let err = Format::Table.ensure_supports(kind).unwrap_err();
            assert_eq!(err.code, ExitCode::BadFeature);
            assert_eq!(err.to_string(), "table not supported as output format");
        }
        for fx in [GET, PUT, DEL_PREV, TXN_OK] {
            let mut out = Vec::new();
            let err = fx.print_with(&mut *printer(
                Format::Table,
                PrintOptions::default(),
                &mut out,
            ));
            assert_eq!(err.unwrap_err().kind(), io::ErrorKind::Unsupported);
            assert!(out.is_empty());
        }
    }
}
