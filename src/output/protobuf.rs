//! `-w protobuf`: the response message in protobuf wire format, written raw with no trailing
//! newline, as etcdctl does. prost's encoding is byte-identical to gogo's for these messages
//! (fields in tag order, proto3 zero values omitted).

use std::io::{self, Write};

use super::{Fallback, Format, ResponseKind, Wire, refused};

pub struct ProtobufPrinter<'w> {
    out: &'w mut dyn Write,
}

impl<'w> ProtobufPrinter<'w> {
    pub fn new(out: &'w mut dyn Write) -> Self {
        ProtobufPrinter { out }
    }
}

/// Every response method's default hands over the message etcdctl marshals, so this is all
/// the protobuf format writes.
impl Fallback for ProtobufPrinter<'_> {
    fn format(&self) -> Format {
        Format::Protobuf
    }

    fn fallback(&mut self, kind: ResponseKind, message: Option<&dyn Wire>) -> io::Result<()> {
        match message {
            Some(m) => self.out.write_all(&m.wire()),
            None => Err(refused(Format::Protobuf, kind)),
        }
    }
}

impl super::kv::KvPrinter for ProtobufPrinter<'_> {}
impl super::cluster::ClusterPrinter for ProtobufPrinter<'_> {}
impl super::snapshot::SnapshotPrinter for ProtobufPrinter<'_> {}
impl super::auth::AuthPrinter for ProtobufPrinter<'_> {}
impl super::watch::WatchPrinter for ProtobufPrinter<'_> {}
impl super::lease::LeasePrinter for ProtobufPrinter<'_> {}

/// Real responses shared by the printer tests: etcdctl's own protobuf output, kept with where
/// it came from in `testdata/etcdctl-protobuf.txt`.
#[cfg(test)]
pub(super) mod fixtures {
    use std::io;

    use prost::Message;

    use crate::output::{Format, PrintOptions, Printer, printer};
    use crate::pb::etcdserverpb::{DeleteRangeResponse, PutResponse, RangeResponse, TxnResponse};

    /// A response by its name in `testdata/etcdctl-protobuf.txt`, which says where each came
    /// from.
    #[derive(Debug, Clone, Copy)]
    pub struct Fixture(&'static str);

    macro_rules! named {
        ($($name:ident)*) => { $(pub const $name: Fixture = Fixture(stringify!($name));)* };
    }
    named!(
        PUT PUT_PREV PUT_PREV_BIN GET GET_KEYS
        GET_EMPTY GET_LIMIT DEL_NONE DEL_PREV TXN_OK
        TXN_FAIL TXN_EMPTY TXN_BIN DEL_ALL
    );

    const RESPONSES: &str = include_str!("testdata/etcdctl-protobuf.txt");

    /// Every response in the file.
    pub fn all() -> impl Iterator<Item = Fixture> {
        RESPONSES
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| Fixture(line.split(' ').next().unwrap()))
    }

    impl Fixture {
        /// The response's type and its bytes, from its line in the file.
        fn line(self) -> (&'static str, Vec<u8>) {
            let line = RESPONSES
                .lines()
                .find(|line| line.split(' ').next() == Some(self.0))
                .unwrap_or_else(|| panic!("no response {} in the file", self.0));
            let [_, kind, hex] = line.splitn(3, ' ').collect::<Vec<_>>()[..] else {
                panic!("not NAME RESPONSE HEX: {line}");
            };
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            (kind, bytes)
        }

        pub fn bytes(self) -> Vec<u8> {
            self.line().1
        }

        /// Hands the decoded response to the matching method of `p`.
        pub fn print_with(self, p: &mut dyn Printer) -> io::Result<()> {
            match self.line() {
                ("get", b) => p.get(&RangeResponse::decode(&*b).unwrap()),
                ("put", b) => p.put(&PutResponse::decode(&*b).unwrap()),
                ("del", b) => p.del(&DeleteRangeResponse::decode(&*b).unwrap()),
                ("txn", b) => p.txn(&TxnResponse::decode(&*b).unwrap()),
                (kind, _) => panic!("{self:?}: no response type {kind}"),
            }
        }

        /// What `format` prints for this response.
        pub fn render(self, format: Format, style: PrintOptions) -> Vec<u8> {
            render(format, style, |p| self.print_with(p))
        }
    }

    /// What `format` prints for whatever `call` hands the printer.
    pub fn render(
        format: Format,
        style: PrintOptions,
        call: impl FnOnce(&mut dyn Printer) -> io::Result<()>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        call(&mut *printer(format, style, &mut out)).unwrap();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use crate::output::{Format, PrintOptions};

    #[test]
    fn reencodes_every_response_byte_for_byte() {
        for fx in all() {
            for style in [
                PrintOptions::default(),
                PrintOptions {
                    hex: true,
                    value_only: false,
                    decode: None,
                },
            ] {
                assert_eq!(fx.render(Format::Protobuf, style), fx.bytes(), "{fx:?}");
            }
        }
    }
}
