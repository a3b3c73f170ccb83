//! Printers: one [`Printer`] per output format, writing a response to any `Write`. Printers never
//! talk to the network; commands hand them responses.
//!
//! Which format can print which response is decided by [`Format::supports`], checked by the
//! command before any request is sent, so `put -w table` fails without writing anything.

mod auth;
mod cluster;
pub mod diff;
pub mod doctor;
pub mod du;
mod fields;
mod json;
mod lease;
mod protobuf;
mod range_stream;
mod simple;
mod snapshot;
mod table;
mod watch;

/// Go's `%q` of bytes, shared with the txn grammar's error messages.
use std::io::{self, Write};
use std::str::FromStr;

pub use auth::AuthPrinter;
pub use cluster::{ClusterPrinter, EndpointHash, EndpointHealth, EndpointStatus, humanize_bytes};
pub use lease::{LeasePrinter, REVOKE_PROTOBUF, lease_hex};
pub use range_stream::RangeStream;
pub use snapshot::SnapshotPrinter;
pub use watch::{WatchPrinter, event_type_name};

use crate::error::CliError;
use crate::pb::etcdserverpb::{DeleteRangeResponse, PutResponse, RangeResponse, TxnResponse};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Simple,
    Json,
    Fields,
    Table,
    Protobuf,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Simple => "simple",
            Format::Json => "json",
            Format::Fields => "fields",
            Format::Table => "table",
            Format::Protobuf => "protobuf",
        }
    }

    /// Whether this format can print `kind`, as etcdctl's printers do.
    pub fn supports(self, kind: ResponseKind) -> bool {
        match (self, kind) {
            // Member changes and leader moves print in simple, json and protobuf only.
            (
                Format::Table | Format::Fields,
                ResponseKind::MemberChange | ResponseKind::MoveLeader,
            ) => false,
            (Format::Table, ResponseKind::Alarm) => false,
            (Format::Protobuf, ResponseKind::Endpoint | ResponseKind::DbStatus) => false,
            (
                Format::Table,
                ResponseKind::MemberList | ResponseKind::Endpoint | ResponseKind::DbStatus,
            ) => true,
            // etcdctl's table printer only knows cluster-maintenance responses.
            (
                Format::Table,
                ResponseKind::Get | ResponseKind::Put | ResponseKind::Del | ResponseKind::Txn,
            ) => false,
            // etcdctl has no table printer for auth responses, and no fields printer for these.
            (
                Format::Table,
                ResponseKind::AuthStatus
                | ResponseKind::UserGet
                | ResponseKind::UserList
                | ResponseKind::AuthAdmin,
            ) => false,
            (
                Format::Fields,
                ResponseKind::AuthStatus | ResponseKind::UserGet | ResponseKind::UserList,
            ) => false,
            (Format::Table, ResponseKind::Watch) => false,
            // etcdctl has no table printer for leases; a revoke response cannot be marshalled.
            (Format::Table, ResponseKind::Lease | ResponseKind::LeaseRevoke) => false,
            (Format::Protobuf, ResponseKind::LeaseRevoke) => false,
            (Format::Simple | Format::Json | Format::Fields | Format::Protobuf, _) => true,
        }
    }

    /// etcdctl's error (exit 4) for a format that cannot print `kind`.
    pub fn ensure_supports(self, kind: ResponseKind) -> Result<(), CliError> {
        if self.supports(kind) {
            Ok(())
        } else {
            Err(CliError::bad_feature(format!(
                "{} not supported as output format",
                self.name()
            )))
        }
    }
}

impl FromStr for Format {
    type Err = CliError;

    fn from_str(s: &str) -> Result<Self, CliError> {
        match s {
            "simple" => Ok(Format::Simple),
            "json" => Ok(Format::Json),
            "fields" => Ok(Format::Fields),
            "table" => Ok(Format::Table),
            "protobuf" => Ok(Format::Protobuf),
            _ => Err(CliError::bad_feature("unsupported output format")),
        }
    }
}

/// The kinds of response a printer may be asked to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// member add, remove, update, promote
    MemberChange,
    MemberList,
    /// endpoint health, status, hashkv
    Endpoint,
    MoveLeader,
    Alarm,
    /// snapshot status
    DbStatus,
    Get,
    Put,
    Del,
    Txn,
    /// auth status (etcd 3.5+)
    AuthStatus,
    /// user get without --detail
    UserGet,
    UserList,
    /// every other user and role response
    AuthAdmin,
    Watch,
    /// lease grant, timetolive, list, keep-alive
    Lease,
    LeaseRevoke,
}

/// Options that change how responses print.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrintOptions {
    /// `--hex`: keys and values as `\xNN` escapes (simple format only; etcdctl 3.4's other
    /// formats ignore it).
    pub hex: bool,
    /// `get --print-value-only` (simple format only).
    pub value_only: bool,
    /// `get` and `watch --decode` (simple format only): values that are Kubernetes objects print
    /// as JSON or YAML.
    pub decode: Option<crate::k8s::Decode>,
}

pub trait Printer:
    cluster::ClusterPrinter
    + snapshot::SnapshotPrinter
    + auth::AuthPrinter
    + watch::WatchPrinter
    + lease::LeasePrinter
{
    fn get(&mut self, resp: &RangeResponse) -> io::Result<()>;
    fn put(&mut self, resp: &PutResponse) -> io::Result<()>;
    fn del(&mut self, resp: &DeleteRangeResponse) -> io::Result<()>;
    fn txn(&mut self, resp: &TxnResponse) -> io::Result<()>;
}

/// The printer for `format`, writing to `out`.
pub fn printer<'w>(
    format: Format,
    style: PrintOptions,
    out: &'w mut dyn Write,
) -> Box<dyn Printer + 'w> {
    match format {
        Format::Simple => Box::new(simple::SimplePrinter::new(out, style)),
        // etcdctl 3.4 honours `--hex` and `--print-value-only` in the simple format only.
        Format::Json => Box::new(json::JsonPrinter::new(out)),
        Format::Fields => Box::new(fields::FieldsPrinter::new(out)),
        Format::Table => Box::new(table::TablePrinter { out }),
        Format::Protobuf => Box::new(protobuf::ProtobufPrinter::new(out)),
    }
}
