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

/// Real responses shared by the printer tests.
///
/// Each is the output of `etcdctl -w protobuf` (3.4.23) for the command noted, run against a fresh
/// single-member etcd 3.4.23 after the commands above it. The same sequence was rerun on a fresh
/// server for every other format, so each printer's expected output is what etcdctl printed for
/// exactly these responses.
#[cfg(test)]
pub(super) mod fixtures {
    use std::io;

    use prost::Message;

    use crate::output::{Format, PrintOptions, Printer, printer};
    use crate::pb::etcdserverpb::{DeleteRangeResponse, PutResponse, RangeResponse, TxnResponse};

    #[derive(Debug, Clone, Copy)]
    pub enum Fixture {
        Get(&'static str),
        Put(&'static str),
        Del(&'static str),
        Txn(&'static str),
    }
    use Fixture::{Del, Get, Put, Txn};

    // The key `k\x80\xff\x01\x1b é<>&` (invalid UTF-8, controls, HTML characters) had the value
    // `v\0\x01\n\t\x7f\x80\xff<>&\u{2028}\u{ad}😀é"\` until `PUT_PREV_BIN` replaced it with `x`.

    /// `put a 1`
    pub const PUT: Fixture = Put("0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e0118022002");
    /// `put a 2 --prev-kv`
    pub const PUT_PREV: Fixture =
        Put("0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e0118052002120c0a01611002180220012a0131");
    /// `put $'k\x80\xff\x01\x1b é<>&' x --prev-kv`
    pub const PUT_PREV_BIN: Fixture = Put(concat!(
        "0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e0118062002122d0a0b6b80ff011b20c3a93c3e26",
        "1004180420012a187600010a097f80ff3c3e26e280a8c2adf09f9880c3a9225c"
    ));
    /// `get '' --from-key`
    pub const GET: Fixture = Get(concat!(
        "0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e0118062002120c0a01611002180520022a0132",
        "12160a01621003180320012a0b68656c6c6f20776f726c6412160a0b6b80ff011b20c3a93c3e26100418",
        "0620022a01782003"
    ));
    /// `get '' --from-key --keys-only`
    pub const GET_KEYS: Fixture = Get(concat!(
        "0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e011806200212090a01611002180520021209",
        "0a016210031803200112130a0b6b80ff011b20c3a93c3e261004180620022003"
    ));
    /// `get nonexist`
    pub const GET_EMPTY: Fixture = Get("0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e0118062002");
    /// `get '' --from-key --limit 1`
    pub const GET_LIMIT: Fixture = Get(concat!(
        "0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e0118062002120c0a01611002180520022a0132",
        "18012003"
    ));
    /// `del nonexist`
    pub const DEL_NONE: Fixture = Del("0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e0118062002");
    /// `del b --prev-kv`
    pub const DEL_PREV: Fixture = Del(concat!(
        "0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e011807200210011a160a01621003180320012a",
        "0b68656c6c6f20776f726c64"
    ));
    /// `txn`: `value("a") = "2"`, success: `get "" --from-key`, `put a "3" --prev-kv`,
    /// `del c --prev-kv`, `put "\xf0\x00z" "zz"`.
    pub const TXN_OK: Fixture = Txn(concat!(
        "0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e011808200210011a2e0a2c0a021807120c0a01",
        "611002180520022a013212160a0b6b80ff011b20c3a93c3e261004180620022a017820021a1412120a02",
        "1808120c0a01611002180520022a01321a061a040a0218081a0612040a021808"
    ));
    /// `txn`: `value("a") = "nope"`, failure: `get a --keys-only`, `put c "3"`, `del nonexist`.
    pub const TXN_FAIL: Fixture = Txn(concat!(
        "0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e01180920021a130a110a0218081209",
        "0a016110021808200320011a0612040a0218091a061a040a021809"
    ));
    /// `txn`: `value("a") = "3"` with no operations.
    pub const TXN_EMPTY: Fixture =
        Txn("0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e01180920021001");
    /// `txn`: `value("a") = "3"`, success: `get "\xf0\x00z"`, `put "\xf0\x00z" "y" --prev-kv`,
    /// `del $'k\x80\xff\x01\x1b é<>&' --prev-kv`.
    pub const TXN_BIN: Fixture = Txn(concat!(
        "0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e01180a200210011a190a170a021809120f0a03",
        "f0007a1008180820012a027a7a20011a1712150a02180a120f0a03f0007a1008180820012a027a7a1a20",
        "1a1e0a02180a10011a160a0b6b80ff011b20c3a93c3e261004180620022a0178"
    ));
    /// `del '' --from-key`
    pub const DEL_ALL: Fixture =
        Del("0a1a08b298eaf1948386fccd0110cdd2918bd2b881cf8e01180b20021003");

    impl Fixture {
        pub fn bytes(self) -> Vec<u8> {
            let (Get(hex) | Put(hex) | Del(hex) | Txn(hex)) = self;
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect()
        }

        /// Hands the decoded response to the matching method of `p`.
        pub fn print_with(self, p: &mut dyn Printer) -> io::Result<()> {
            let b = self.bytes();
            match self {
                Get(_) => p.get(&RangeResponse::decode(&*b).unwrap()),
                Put(_) => p.put(&PutResponse::decode(&*b).unwrap()),
                Del(_) => p.del(&DeleteRangeResponse::decode(&*b).unwrap()),
                Txn(_) => p.txn(&TxnResponse::decode(&*b).unwrap()),
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
        for fx in [
            PUT,
            PUT_PREV,
            PUT_PREV_BIN,
            GET,
            GET_KEYS,
            GET_EMPTY,
            GET_LIMIT,
            DEL_NONE,
            DEL_PREV,
            DEL_ALL,
            TXN_OK,
            TXN_FAIL,
            TXN_EMPTY,
            TXN_BIN,
        ] {
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
