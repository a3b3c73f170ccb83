//! Printers: one [`Printer`] per output format, writing a response to any `Write`. Printers never
//! talk to the network; commands hand them responses.
//!
//! One layout: a module per command group (kv, cluster, auth, lease, watch, snapshot, and
//! report for ectl's own reports, each a type implementing [`Report`]) holds that group's trait
//! and every format's way of printing it; a module per format (simple, json, fields, table, protobuf)
//! holds the format's type and what its group code shares (JSON objects, ASCII tables, Go's
//! quoting of a key-value). [`Printer`] is every group's trait at once. Each response method has
//! a default that hands the message to [`Fallback`], so a format writes only what it prints its
//! own way: protobuf writes no method at all, table and fields only those etcdctl draws. Which
//! format can print which response is decided by [`Format::supports`], checked by the command
//! before any request is sent, so `put -w table` fails without writing anything; a test holds
//! each printer to that list.

mod auth;
mod cluster;
mod fields;
mod json;
mod kv;
mod lease;
mod protobuf;
mod range_stream;
pub mod report;
mod simple;
mod snapshot;
mod table;
mod watch;

use std::io::{self, Write};
use std::str::FromStr;

pub use auth::AuthPrinter;
pub use cluster::{ClusterPrinter, EndpointHash, EndpointHealth, EndpointStatus, NewMember};
use lease::REVOKE_PROTOBUF;
pub use lease::{LeasePrinter, lease_hex};
pub use range_stream::RangeStream;
pub use report::{Report, ReportPrinter, print_report};
pub use snapshot::SnapshotPrinter;
pub use watch::{WatchPrinter, event_type_name};

use crate::error::CliError;
use crate::pb::etcdserverpb::ResponseHeader;

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

    /// Whether this format can print `kind`, as etcdctl's printers can: the one list of what
    /// each format supports. A test holds every printer to it.
    pub fn supports(self, kind: ResponseKind) -> bool {
        use ResponseKind::*;
        match self {
            Format::Simple | Format::Json => true,
            // etcdctl's table printer only knows cluster-maintenance responses; ectl's own
            // reports are tables too, its listings are not.
            Format::Table => matches!(kind, MemberList | Endpoint | DbStatus | Report),
            // etcdctl's fields printer has no member changes, leader moves, downgrades,
            // `user get`, `user list` or `auth status`.
            Format::Fields => !matches!(
                kind,
                MemberChange
                    | MoveLeader
                    | Downgrade
                    | AuthStatus
                    | UserGet
                    | UserList
                    | Report
                    | Listing
            ),
            // Endpoint and snapshot results are not messages; clientv3's revoke response
            // cannot be marshalled.
            Format::Protobuf => {
                !matches!(kind, Endpoint | DbStatus | LeaseRevoke | Report | Listing)
            }
        }
    }

    /// etcdctl's words for a `kind` this format cannot print.
    fn refusal(self, kind: ResponseKind) -> String {
        match (self, kind) {
            (Format::Protobuf, ResponseKind::LeaseRevoke) => REVOKE_PROTOBUF.into(),
            _ => format!("{} not supported as output format", self.name()),
        }
    }

    /// etcdctl's error (exit 4) for a format that cannot print `kind`.
    pub fn ensure_supports(self, kind: ResponseKind) -> Result<(), CliError> {
        if self.supports(kind) {
            Ok(())
        } else {
            Err(CliError::bad_feature(self.refusal(kind)))
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
    /// downgrade validate, enable, cancel (etcd 3.6)
    Downgrade,
    /// ectl's own reports with a table layout: [`doctor`], [`du`], [`status`], [`maintain`]
    Report,
    /// ectl's own reports that have no table layout: [`diff`], `del --dry-run` ([`Preview`]),
    /// [`history`]
    Listing,
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

/// A response message as the protobuf format writes it. prost's `Message` is not object safe;
/// this is, so one fallback takes every message.
pub trait Wire {
    fn wire(&self) -> Vec<u8>;
}

impl<M: prost::Message> Wire for M {
    fn wire(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

/// What every response method falls back to when a format has no method of its own, as
/// etcdctl's `printerRPC` (protobuf writes the message) and `printerUnsupported` (table and
/// fields refuse). Commands check [`Format::supports`] before sending anything, so a refusal
/// here is never reached from a command.
pub trait Fallback {
    fn format(&self) -> Format;

    /// `message` is what etcdctl's protobuf printer marshals for `kind`, `None` where it has
    /// nothing it can marshal.
    fn fallback(&mut self, kind: ResponseKind, _message: Option<&dyn Wire>) -> io::Result<()> {
        Err(refused(self.format(), kind))
    }

    /// A response that holds nothing but its header: json and fields print the header, as
    /// etcdctl's do, and the rest fall back.
    fn header_only(
        &mut self,
        kind: ResponseKind,
        _header: Option<&ResponseHeader>,
        message: Option<&dyn Wire>,
    ) -> io::Result<()> {
        self.fallback(kind, message)
    }
}

/// The printers' error for a response their format cannot print.
fn refused(format: Format, kind: ResponseKind) -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, format.refusal(kind))
}

pub trait Printer:
    Fallback
    + kv::KvPrinter
    + cluster::ClusterPrinter
    + snapshot::SnapshotPrinter
    + auth::AuthPrinter
    + watch::WatchPrinter
    + lease::LeasePrinter
    + report::ReportPrinter
{
}

impl Printer for simple::SimplePrinter<'_> {}
impl Printer for json::JsonPrinter<'_> {}
impl Printer for fields::FieldsPrinter<'_> {}
impl Printer for table::TablePrinter<'_> {}
impl Printer for protobuf::ProtobufPrinter<'_> {}

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
        Format::Table => Box::new(table::TablePrinter {
            out,
            width: None,
            for_terminal: false,
        }),
        Format::Protobuf => Box::new(protobuf::ProtobufPrinter::new(out)),
    }
}

/// What `write` writes, as text: for printer tests.
#[cfg(test)]
pub(crate) fn written(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    type Call = fn(&mut dyn Printer) -> io::Result<()>;

    /// Every response method, with its kind, handed an empty response. A new method or kind
    /// gets a line here (a new report, in `report::examples`).
    fn calls() -> Vec<(ResponseKind, Call)> {
        use ResponseKind::*;
        vec![
            (MemberChange, |p| {
                p.member_add(Default::default(), &Default::default())
            }),
            (MemberChange, |p| p.member_remove(1, &Default::default())),
            (MemberChange, |p| p.member_update(1, &Default::default())),
            (MemberChange, |p| p.member_promote(1, &Default::default())),
            (MemberList, |p| p.member_list(&Default::default())),
            (Endpoint, |p| p.endpoint_health(&[])),
            (Endpoint, |p| p.endpoint_status(&[])),
            (Endpoint, |p| p.endpoint_hash(&[])),
            (MoveLeader, |p| p.move_leader(1, 2, &Default::default())),
            (Alarm, |p| p.alarm(&Default::default())),
            (DbStatus, |p| p.db_status(&Default::default())),
            (Get, |p| p.get(&Default::default())),
            (Put, |p| p.put(&Default::default())),
            (Del, |p| p.del(&Default::default())),
            (Txn, |p| p.txn(&Default::default())),
            (AuthStatus, |p| p.auth_status(&Default::default())),
            (UserGet, |p| p.user_get("u", &Default::default())),
            (UserList, |p| p.user_list(&Default::default())),
            (AuthAdmin, |p| p.user_add("u", &Default::default())),
            (AuthAdmin, |p| p.user_delete("u", &Default::default())),
            (AuthAdmin, |p| p.user_change_password(&Default::default())),
            (AuthAdmin, |p| {
                p.user_grant_role("u", "r", &Default::default())
            }),
            (AuthAdmin, |p| {
                p.user_revoke_role("u", "r", &Default::default())
            }),
            (AuthAdmin, |p| p.role_add("r", &Default::default())),
            (AuthAdmin, |p| p.role_get("r", &Default::default())),
            (AuthAdmin, |p| p.role_list(&Default::default())),
            (AuthAdmin, |p| p.role_delete("r", &Default::default())),
            (AuthAdmin, |p| {
                p.role_grant_permission("r", &Default::default())
            }),
            (AuthAdmin, |p| {
                p.role_revoke_permission("r", b"k", b"", &Default::default())
            }),
            (Watch, |p| p.watch(&Default::default())),
            (Watch, |p| p.watch_closed()),
            (Lease, |p| p.lease_grant(&Default::default())),
            (Lease, |p| p.lease_keep_alive(&Default::default())),
            (Lease, |p| p.lease_time_to_live(&Default::default(), true)),
            (Lease, |p| p.lease_list(&Default::default())),
            (LeaseRevoke, |p| p.lease_revoke(1, &Default::default())),
            (Downgrade, |p| p.downgrade("enable", &Default::default())),
        ]
    }

    #[test]
    fn every_printer_prints_what_its_format_supports_and_refuses_the_rest() {
        let formats = ["simple", "json", "fields", "table", "protobuf"];
        for format in formats.map(|f| f.parse::<Format>().unwrap()) {
            for (kind, call) in calls() {
                held_to_its_support(format, kind, call);
            }
            for (kind, report) in report::examples() {
                held_to_its_support(format, kind, |p| p.report(&*report));
            }
        }
    }

    /// `call` prints through `format`'s printer exactly when `format` supports `kind`, and
    /// refuses with etcdctl's words, having written nothing, when it does not.
    fn held_to_its_support(
        format: Format,
        kind: ResponseKind,
        call: impl FnOnce(&mut dyn Printer) -> io::Result<()>,
    ) {
        let mut out = Vec::new();
        let result = call(&mut *printer(format, PrintOptions::default(), &mut out));
        let refusal = format.ensure_supports(kind).err().map(|e| e.to_string());
        assert_eq!(
            result.map_err(|e| e.to_string()).err(),
            refusal,
            "{format:?} {kind:?}"
        );
        if refusal.is_some() {
            assert!(out.is_empty(), "{format:?} {kind:?} wrote before refusing");
        }
    }
}
