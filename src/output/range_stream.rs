//! A `get` response printed as its pages arrive, byte for byte what the format's printer makes
//! of the one response etcdctl would have received: the first page's header, every page's keys,
//! and the `more` and `count` of the whole range at the end. Each format writes its pieces in
//! the order its printer does: simple keys and values as they come; fields the header lines,
//! then each key's, then `More` and `Count`; json one object whose `kvs` array spans the pages;
//! protobuf one RangeResponse, field by field in tag order, as prost encodes the whole message.

use std::io::{self, Write};

use super::fields::FieldsPrinter;
use super::simple::SimplePrinter;
use super::{Format, PrintOptions, json};
use crate::pb::etcdserverpb::ResponseHeader;
use crate::pb::mvccpb::KeyValue;

/// RangeResponse's field numbers.
const HEADER: u32 = 1;
const KVS: u32 = 2;
const MORE: u32 = 3;
const COUNT: u32 = 4;

/// One range being printed; see the module documentation. Call [`RangeStream::begin`] once,
/// [`RangeStream::kvs`] for each page, then [`RangeStream::end`].
pub struct RangeStream<'w> {
    format: Format,
    style: PrintOptions,
    out: &'w mut dyn Write,
    /// JSON: whether the object has a field yet, and whether the `kvs` array is open.
    fields: bool,
    in_kvs: bool,
}

impl<'w> RangeStream<'w> {
    /// A stream for `format`, which must support `get` (not table).
    pub fn new(format: Format, style: PrintOptions, out: &'w mut dyn Write) -> RangeStream<'w> {
        RangeStream {
            format,
            style,
            out,
            fields: false,
            in_kvs: false,
        }
    }

    pub fn begin(&mut self, header: Option<&ResponseHeader>) -> io::Result<()> {
        match self.format {
            Format::Fields => FieldsPrinter::new(&mut *self.out).hdr(header),
            Format::Json => {
                let mut buf = Vec::new();
                json::object(&mut buf, |o| json::header(o, &header.copied()));
                // `{...}` less its closing brace: later fields continue the object.
                buf.pop();
                self.fields = buf.len() > 1;
                self.out.write_all(&buf)
            }
            Format::Protobuf => match header {
                Some(h) => self.protobuf(|buf| prost::encoding::message::encode(HEADER, h, buf)),
                None => Ok(()),
            },
            Format::Simple | Format::Table => Ok(()),
        }
    }

    pub fn kvs(&mut self, kvs: &[KeyValue]) -> io::Result<()> {
        match self.format {
            Format::Simple => {
                let mut printer = SimplePrinter::new(&mut *self.out, self.style);
                kvs.iter().try_for_each(|kv| printer.kv(kv))
            }
            Format::Fields => {
                let mut printer = FieldsPrinter::new(&mut *self.out);
                kvs.iter().try_for_each(|kv| printer.kv("", kv))
            }
            Format::Json => {
                let mut buf = Vec::new();
                for kv in kvs {
                    if self.in_kvs {
                        buf.push(b',');
                    } else {
                        buf.extend(self.key("kvs"));
                        buf.push(b'[');
                        self.in_kvs = true;
                    }
                    json::object(&mut buf, |o| json::kv(o, kv));
                }
                self.out.write_all(&buf)
            }
            Format::Protobuf => self.protobuf(|buf| {
                for kv in kvs {
                    prost::encoding::message::encode(KVS, kv, buf);
                }
            }),
            Format::Table => Ok(()),
        }
    }

    pub fn end(&mut self, more: bool, count: i64) -> io::Result<()> {
        match self.format {
            Format::Fields => {
                writeln!(self.out, "\"More\" : {more}")?;
                writeln!(self.out, "\"Count\" : {count}")
            }
            Format::Json => {
                let mut buf = Vec::new();
                if self.in_kvs {
                    buf.push(b']');
                }
                for (name, value, set) in [
                    ("more", more.to_string(), more),
                    ("count", count.to_string(), count != 0),
                ] {
                    if set {
                        buf.extend(self.key(name));
                        buf.extend_from_slice(value.as_bytes());
                    }
                }
                buf.extend_from_slice(b"}\n");
                self.out.write_all(&buf)
            }
            Format::Protobuf => self.protobuf(|buf| {
                if more {
                    prost::encoding::bool::encode(MORE, &more, buf);
                }
                if count != 0 {
                    prost::encoding::int64::encode(COUNT, &count, buf);
                }
            }),
            Format::Simple | Format::Table => Ok(()),
        }
    }

    /// `"name":`, after a comma when the object has a field already.
    fn key(&mut self, name: &str) -> Vec<u8> {
        let comma = if std::mem::replace(&mut self.fields, true) {
            ","
        } else {
            ""
        };
        format!("{comma}\"{name}\":").into_bytes()
    }

    fn protobuf(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let mut buf = Vec::new();
        encode(&mut buf);
        self.out.write_all(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::printer;
    use crate::pb::etcdserverpb::RangeResponse;

    fn response(kvs: usize, more: bool) -> RangeResponse {
        RangeResponse {
            header: Some(ResponseHeader {
                cluster_id: 1,
                member_id: 2,
                revision: 9,
                raft_term: 3,
            }),
            kvs: (0..kvs)
                .map(|i| KeyValue {
                    key: format!("k{i}").into_bytes(),
                    value: if i == 1 {
                        Vec::new()
                    } else {
                        vec![0xff, b'"', i as u8]
                    },
                    create_revision: 2,
                    mod_revision: 2 + i as i64,
                    version: 1,
                    lease: if i == 2 { 7 } else { 0 },
                })
                .collect(),
            more,
            count: kvs as i64 + i64::from(more),
        }
    }

    /// Streaming in pages of every size gives what the one-shot printer gives.
    #[test]
    fn pages_print_as_the_whole_response() {
        let style = PrintOptions {
            hex: true,
            value_only: false,
            decode: None,
        };
        for format in [
            Format::Simple,
            Format::Json,
            Format::Fields,
            Format::Protobuf,
        ] {
            for (keys, more) in [(0, false), (1, false), (5, true), (5, false)] {
                let whole = response(keys, more);
                let mut expected = Vec::new();
                printer(format, style, &mut expected).get(&whole).unwrap();
                for page in 1..=3 {
                    let mut streamed = Vec::new();
                    let mut stream = RangeStream::new(format, style, &mut streamed);
                    stream.begin(whole.header.as_ref()).unwrap();
                    for chunk in whole.kvs.chunks(page) {
                        stream.kvs(chunk).unwrap();
                    }
                    stream.end(whole.more, whole.count).unwrap();
                    assert_eq!(
                        String::from_utf8_lossy(&streamed),
                        String::from_utf8_lossy(&expected),
                        "{format:?}, {keys} keys, pages of {page}"
                    );
                }
            }
        }
    }
}
