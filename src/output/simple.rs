//! `-w simple` (the default): keys and values as raw bytes, one per line, or as `\xNN` escapes
//! with `--hex`.

use std::io::{self, Write};

use super::{Fallback, Format, PrintOptions};
use crate::pb::mvccpb::KeyValue;

pub struct SimplePrinter<'w> {
    pub(super) out: &'w mut dyn Write,
    pub(super) style: PrintOptions,
}

impl<'w> SimplePrinter<'w> {
    pub fn new(out: &'w mut dyn Write, style: PrintOptions) -> Self {
        SimplePrinter { out, style }
    }

    /// The key line (unless `value_only`) and the value line, as etcdctl's `printKV`.
    pub(super) fn kv(&mut self, kv: &KeyValue) -> io::Result<()> {
        if !self.style.value_only {
            self.line(&kv.key)?;
        }
        match self
            .style
            .decode
            .and_then(|d| crate::k8s::render(&kv.value, d))
        {
            Some(object) => self.out.write_all(&object),
            None => self.line(&kv.value),
        }
    }

    fn line(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.style.hex {
            let mut escaped = Vec::with_capacity(bytes.len() * 4 + 1);
            for b in bytes {
                write!(escaped, "\\x{b:02x}")?;
            }
            escaped.push(b'\n');
            self.out.write_all(&escaped)
        } else {
            self.out.write_all(bytes)?;
            self.out.write_all(b"\n")
        }
    }

    /// Each row as one comma-separated line, as etcdctl's simple printer writes tables.
    pub(super) fn comma_lines(&mut self, rows: &[Vec<String>]) -> io::Result<()> {
        let mut buf = Vec::new();
        for row in rows {
            buf.extend_from_slice(row.join(", ").as_bytes());
            buf.push(b'\n');
        }
        self.out.write_all(&buf)
    }
}

/// The simple format prints every response, so no default is ever reached.
impl Fallback for SimplePrinter<'_> {
    fn format(&self) -> Format {
        Format::Simple
    }
}

#[cfg(test)]
mod tests {
    // Expected output was captured from etcdctl 3.4.23 for the very same responses (see
    // `fixtures`), except where a test says otherwise.
    use crate::output::protobuf::fixtures::*;
    use crate::output::{Format, PrintOptions};
    use crate::pb::etcdserverpb::response_op::Response;
    use crate::pb::etcdserverpb::{ResponseOp, TxnResponse};

    const PLAIN: PrintOptions = PrintOptions {
        hex: false,
        value_only: false,
        decode: None,
    };
    const HEX: PrintOptions = PrintOptions {
        hex: true,
        value_only: false,
        decode: None,
    };
    const VALUES: PrintOptions = PrintOptions {
        hex: false,
        value_only: true,
        decode: None,
    };
    const HEX_VALUES: PrintOptions = PrintOptions {
        hex: true,
        value_only: true,
        decode: None,
    };

    #[track_caller]
    fn check(fx: Fixture, style: PrintOptions, expected: &[u8]) {
        let got = fx.render(Format::Simple, style);
        assert_eq!(
            got.escape_ascii().to_string(),
            expected.escape_ascii().to_string()
        );
    }

    #[test]
    fn get_prints_raw_key_and_value_lines() {
        check(
            GET,
            PLAIN,
            b"a\n2\nb\nhello world\nk\x80\xff\x01\x1b \xc3\xa9<>&\nx\n",
        );
        check(
            GET_KEYS,
            PLAIN,
            b"a\n\nb\n\nk\x80\xff\x01\x1b \xc3\xa9<>&\n\n",
        );
        check(GET_LIMIT, PLAIN, b"a\n2\n");
        check(GET_EMPTY, PLAIN, b"");
    }

    #[test]
    fn get_hex_and_value_only() {
        check(
            GET,
            HEX,
            concat!(
                "\\x61\n\\x32\n\\x62\n\\x68\\x65\\x6c\\x6c\\x6f\\x20\\x77\\x6f\\x72\\x6c\\x64\n",
                "\\x6b\\x80\\xff\\x01\\x1b\\x20\\xc3\\xa9\\x3c\\x3e\\x26\n\\x78\n"
            )
            .as_bytes(),
        );
        check(GET, VALUES, b"2\nhello world\nx\n");
        check(
            GET,
            HEX_VALUES,
            b"\\x32\n\\x68\\x65\\x6c\\x6c\\x6f\\x20\\x77\\x6f\\x72\\x6c\\x64\n\\x78\n",
        );
        check(
            GET_KEYS,
            HEX,
            b"\\x61\n\n\\x62\n\n\\x6b\\x80\\xff\\x01\\x1b\\x20\\xc3\\xa9\\x3c\\x3e\\x26\n\n",
        );
    }

    #[test]
    fn put_prints_ok_and_prev_kv() {
        check(PUT, PLAIN, b"OK\n");
        check(PUT_PREV, PLAIN, b"OK\na\n1\n");
        check(
            PUT_PREV_BIN,
            PLAIN,
            b"OK\nk\x80\xff\x01\x1b \xc3\xa9<>&\nv\0\x01\n\t\x7f\x80\xff<>&\xe2\x80\xa8\xc2\xad\xf0\x9f\x98\x80\xc3\xa9\"\\\n",
        );
        check(
            PUT_PREV_BIN,
            HEX,
            concat!(
                "OK\n\\x6b\\x80\\xff\\x01\\x1b\\x20\\xc3\\xa9\\x3c\\x3e\\x26\n",
                "\\x76\\x00\\x01\\x0a\\x09\\x7f\\x80\\xff\\x3c\\x3e\\x26\\xe2\\x80\\xa8\\xc2\\xad",
                "\\xf0\\x9f\\x98\\x80\\xc3\\xa9\\x22\\x5c\n"
            )
            .as_bytes(),
        );
    }

    #[test]
    fn del_prints_count_and_prev_kvs() {
        check(DEL_NONE, PLAIN, b"0\n");
        check(DEL_ALL, PLAIN, b"3\n");
        check(DEL_PREV, PLAIN, b"1\nb\nhello world\n");
    }

    #[test]
    fn txn_separates_operations_with_blank_lines() {
        check(TXN_EMPTY, PLAIN, b"SUCCESS\n");
        check(
            TXN_OK,
            PLAIN,
            b"SUCCESS\n\na\n2\nk\x80\xff\x01\x1b \xc3\xa9<>&\nx\n\nOK\na\n2\n\n0\n\nOK\n",
        );
        check(TXN_FAIL, PLAIN, b"FAILURE\n\na\n\n\nOK\n\n0\n");
        check(
            TXN_BIN,
            HEX,
            concat!(
                "SUCCESS\n\n\\xf0\\x00\\x7a\n\\x7a\\x7a\n\nOK\n\\xf0\\x00\\x7a\n\\x7a\\x7a\n\n1\n",
                "\\x6b\\x80\\xff\\x01\\x1b\\x20\\xc3\\xa9\\x3c\\x3e\\x26\n\\x78\n"
            )
            .as_bytes(),
        );
    }

    #[test]
    fn txn_nested_and_empty_ops() {
        // Not producible with etcdctl: a nested txn prints as a txn; an empty op as etcdctl's
        // Go code would print it.
        let inner = TxnResponse {
            succeeded: false,
            ..Default::default()
        };
        let resp = TxnResponse {
            succeeded: true,
            responses: vec![
                ResponseOp {
                    response: Some(Response::ResponseTxn(inner)),
                },
                ResponseOp { response: None },
            ],
            ..Default::default()
        };
        let got = render(Format::Simple, PLAIN, |p| p.txn(&resp));
        assert_eq!(
            String::from_utf8(got).unwrap(),
            "SUCCESS\n\nFAILURE\n\nunexpected response \n"
        );
    }
}
