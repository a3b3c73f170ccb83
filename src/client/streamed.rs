//! A Range answer read as it arrives, one key at a time, so that a response of any size costs no
//! more memory than the HTTP/2 window and the key being parsed. tonic would hold the whole
//! message before decoding it, which forced ranges into small pages, each a round trip.
//!
//! The request itself is an ordinary unary call through [`Client::unary`]: failover, tokens and
//! the observer treat it like any other until the answer begins. What differs is the answer,
//! whose protobuf fields (RangeResponse: header, kvs, more, count) are parsed off the gRPC frame
//! as they complete.

use std::time::Instant;

use bytes::{Buf, BufMut, BytesMut};
use http_body_util::BodyExt;
use prost::Message;
use tonic::{Code, Status};

use super::{Client, EndpointFailure, Error, Grpc, Retry, rpc};
use crate::pb::etcdserverpb::{RangeRequest, ResponseHeader};
use crate::pb::mvccpb::KeyValue;

/// A gRPC message's prefix: a compression flag and the message's length.
const PREFIX: usize = 5;

/// One part of a RangeResponse, in the order etcd encodes them.
#[derive(Debug)]
pub enum Piece {
    Header(ResponseHeader),
    Kv(KeyValue),
    More(bool),
    Count(i64),
}

/// A Range answer being read; [`StreamedRange::next`] yields its pieces.
#[derive(Debug)]
pub struct StreamedRange {
    body: tonic::body::Body,
    /// Received and not parsed yet.
    buf: BytesMut,
    /// Bytes of the message not parsed yet; `None` until its prefix has arrived.
    left: Option<usize>,
    max_recv_bytes: usize,
    deadline: Instant,
    /// `host:port` of the member answering, for a timeout's explanation.
    endpoint: String,
}

impl Client {
    /// A Range whose answer is read as it arrives (see the module documentation). Retried on
    /// other members like [`Client::range`] until the answer begins; a connection that breaks
    /// after that is the caller's to resume.
    pub async fn range_streamed(&self, request: RangeRequest) -> Result<StreamedRange, Error> {
        let deadline = Instant::now() + self.config.command_timeout;
        let mut answer = self
            .unary(
                rpc::RANGE,
                Retry::Safe,
                request,
                move |grpc, mut request| {
                    super::kv::ask_for_leader(&mut request);
                    open(grpc, request, deadline)
                },
            )
            .await?;
        if let Some(pinned) = self.pinned.lock().unwrap().as_ref() {
            answer.endpoint = self.endpoints[pinned.index].authority();
        }
        Ok(answer)
    }
}

/// Sends the request and waits for the answer's prefix, so that every error a member can answer
/// with (trailers-only or right after the headers) and a message over `--max-recv-bytes` come
/// back as a status, for [`Client::unary`] to handle as it handles tonic's.
async fn open(
    grpc: Grpc,
    request: tonic::Request<RangeRequest>,
    deadline: Instant,
) -> Result<tonic::Response<StreamedRange>, Status> {
    let (metadata, _, message) = request.into_parts();
    let mut frame = BytesMut::with_capacity(PREFIX + message.encoded_len());
    frame.put_u8(0);
    frame.put_u32(message.encoded_len() as u32);
    message
        .encode(&mut frame)
        .map_err(|e| Status::internal(e.to_string()))?;
    let mut http_request = http::Request::builder()
        .method(http::Method::POST)
        .uri(rpc::RANGE.path)
        .version(http::Version::HTTP_2)
        .body(tonic::body::Body::new(http_body_util::Full::new(
            frame.freeze(),
        )))
        .map_err(|e| Status::internal(e.to_string()))?;
    let headers = http_request.headers_mut();
    *headers = metadata.into_headers();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    headers.insert(http::header::TE, http::HeaderValue::from_static("trailers"));

    let mut channel = grpc.channel;
    std::future::poll_fn(|cx| tower_service::Service::poll_ready(&mut channel, cx))
        .await
        .map_err(|e| Status::from_error(Box::new(e)))?;
    let response = tower_service::Service::call(&mut channel, http_request)
        .await
        .map_err(|e| Status::from_error(Box::new(e)))?;

    if let Some(status) = Status::from_header_map(response.headers()) {
        // Trailers-only: an error, or (never from etcd) an empty answer.
        return Err(if status.code() == Code::Ok {
            Status::internal("the member answered the Range with no response")
        } else {
            status
        });
    }
    if response.status() != http::StatusCode::OK {
        return Err(not_grpc(response.status()));
    }
    let mut answer = StreamedRange {
        body: response.into_body(),
        buf: BytesMut::new(),
        left: None,
        max_recv_bytes: grpc.max_recv_bytes,
        deadline,
        endpoint: String::new(),
    };
    while answer.buf.len() < PREFIX {
        if !answer.receive().await? {
            return Err(Status::new(
                Code::Internal,
                "the member ended the Range answer before its message",
            ));
        }
    }
    answer.start_message()?;
    Ok(tonic::Response::new(answer))
}

/// What tonic makes of an HTTP answer without gRPC status: the classifier knows its wording.
fn not_grpc(code: http::StatusCode) -> Status {
    let mapped = match code {
        http::StatusCode::BAD_REQUEST => Code::Internal,
        http::StatusCode::UNAUTHORIZED => Code::Unauthenticated,
        http::StatusCode::FORBIDDEN => Code::PermissionDenied,
        http::StatusCode::NOT_FOUND => Code::Unimplemented,
        http::StatusCode::TOO_MANY_REQUESTS
        | http::StatusCode::BAD_GATEWAY
        | http::StatusCode::SERVICE_UNAVAILABLE
        | http::StatusCode::GATEWAY_TIMEOUT => Code::Unavailable,
        _ => Code::Unknown,
    };
    Status::new(
        mapped,
        format!(
            "grpc-status header missing, mapped from HTTP status code {}",
            code.as_u16()
        ),
    )
}

impl StreamedRange {
    /// The next piece of the answer; `None` once the message and a successful status arrived.
    pub async fn next(&mut self) -> Result<Option<Piece>, Error> {
        loop {
            let left = self.left.unwrap_or(0);
            if left == 0 {
                return self.finish().await.map(|()| None);
            }
            let window = &self.buf[..self.buf.len().min(left)];
            match parse_field(window, left).map_err(|e| Error::Rpc(malformed(e)))? {
                Parsed::Need => {
                    if !self.receive().await.map_err(|e| self.failed(e))? {
                        return Err(Error::Rpc(Status::unavailable(
                            "the connection ended in the middle of the Range answer",
                        )));
                    }
                }
                Parsed::Field { piece, used } => {
                    self.buf.advance(used);
                    self.left = Some(left - used);
                    if let Some(piece) = piece {
                        return Ok(Some(piece));
                    }
                }
            }
        }
    }

    /// Reads the message's prefix from the buffer (which holds it).
    fn start_message(&mut self) -> Result<(), Status> {
        let compressed = self.buf.get_u8();
        let length = self.buf.get_u32() as usize;
        if compressed != 0 {
            return Err(malformed("a compressed message, which ectl never asks for"));
        }
        if length > self.max_recv_bytes {
            // tonic's wording, which the client turns into its --max-recv-bytes explanation.
            return Err(Status::out_of_range(format!(
                "Error, decoded message length too large: found {length} bytes, the limit is: {} bytes",
                self.max_recv_bytes
            )));
        }
        self.left = Some(length);
        Ok(())
    }

    /// After the message: the rest of the body must be the trailers, with an OK status.
    async fn finish(&mut self) -> Result<(), Error> {
        while self.receive().await.map_err(|e| self.failed(e))? {
            if !self.buf.is_empty() {
                return Err(Error::Rpc(malformed("more than one message")));
            }
        }
        Ok(())
    }

    /// Waits for the next frame of the body: data is buffered, trailers are checked. `false` at
    /// the end of the body.
    async fn receive(&mut self) -> Result<bool, Status> {
        let frame = match tokio::time::timeout_at(self.deadline.into(), self.body.frame()).await {
            Err(_) => return Err(Status::deadline_exceeded("context deadline exceeded")),
            Ok(None) => return Ok(false),
            Ok(Some(frame)) => frame?,
        };
        match frame.into_data() {
            Ok(data) => self.buf.extend_from_slice(&data),
            Err(frame) => {
                if let Some(status) = frame.trailers_ref().and_then(Status::from_header_map)
                    && status.code() != Code::Ok
                {
                    return Err(status);
                }
            }
        }
        Ok(true)
    }

    /// The client's error for a failure while the answer arrives: `--command-timeout` running
    /// out is etcdctl's deadline error, naming the member that stopped sending.
    fn failed(&self, status: Status) -> Error {
        if status.code() == Code::DeadlineExceeded {
            return Error::Timeout(vec![EndpointFailure {
                endpoint: self.endpoint.clone(),
                cause: format!("{}: the answer stopped arriving", rpc::RANGE.path),
                transient: true,
            }]);
        }
        Error::Rpc(status)
    }
}

fn malformed(what: &str) -> Status {
    Status::internal(format!("malformed Range answer from the member: {what}"))
}

/// What the start of a message's remaining bytes holds.
#[derive(Debug)]
enum Parsed {
    /// Not a whole field yet.
    Need,
    /// A whole field of `used` bytes; `None` for one RangeResponse does not define.
    Field { piece: Option<Piece>, used: usize },
}

/// Parses the field at the start of `window`, the buffered part of the message's remaining
/// `left` bytes.
fn parse_field(window: &[u8], left: usize) -> Result<Parsed, &'static str> {
    let complete = window.len() == left;
    let Some((key, tag_len)) = varint(window)? else {
        return if complete {
            Err("a cut field")
        } else {
            Ok(Parsed::Need)
        };
    };
    let rest = &window[tag_len..];
    let field = key >> 3;
    let (value, used) = match key & 7 {
        0 => match varint(rest)? {
            Some((value, n)) => (Value::Varint(value), n),
            None => return need(complete),
        },
        2 => {
            let Some((len, n)) = varint(rest)? else {
                return need(complete);
            };
            let len = usize::try_from(len).map_err(|_| "a field longer than the message")?;
            if len > left {
                return Err("a field longer than the message");
            }
            if rest.len() < n + len {
                return need(complete);
            }
            (Value::Bytes(&rest[n..n + len]), n + len)
        }
        1 | 5 => {
            let width = if key & 7 == 1 { 8 } else { 4 };
            if rest.len() < width {
                return need(complete);
            }
            (Value::Fixed, width)
        }
        _ => return Err("an unknown wire type"),
    };
    let piece = match (field, value) {
        (1, Value::Bytes(bytes)) => Some(Piece::Header(
            ResponseHeader::decode(bytes).map_err(|_| "a bad header")?,
        )),
        (2, Value::Bytes(bytes)) => Some(Piece::Kv(
            KeyValue::decode(bytes).map_err(|_| "a bad key-value")?,
        )),
        (3, Value::Varint(more)) => Some(Piece::More(more != 0)),
        (4, Value::Varint(count)) => Some(Piece::Count(count as i64)),
        (1..=4, _) => return Err("a field of the wrong type"),
        _ => None,
    };
    Ok(Parsed::Field {
        piece,
        used: tag_len + used,
    })
}

enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

fn need(complete: bool) -> Result<Parsed, &'static str> {
    if complete {
        Err("a cut field")
    } else {
        Ok(Parsed::Need)
    }
}

/// A protobuf varint at the start of `bytes`, with its length; `None` when it is cut short.
fn varint(bytes: &[u8]) -> Result<Option<(u64, usize)>, &'static str> {
    let mut value = 0u64;
    for (i, &byte) in bytes.iter().enumerate() {
        if i == 10 {
            return Err("a varint over ten bytes");
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Ok(Some((value, i + 1)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::etcdserverpb::RangeResponse;

    /// Every piece of `message`, fed to the parser `step` bytes at a time.
    fn pieces(message: &[u8], step: usize) -> Result<Vec<Piece>, &'static str> {
        let mut out = Vec::new();
        let (mut at, mut buffered) = (0, 0);
        while at < message.len() {
            let left = message.len() - at;
            match parse_field(&message[at..buffered.max(at)], left)? {
                Parsed::Need => {
                    assert!(buffered < message.len(), "asked for bytes past the end");
                    buffered = (buffered + step).min(message.len());
                }
                Parsed::Field { piece, used } => {
                    at += used;
                    out.extend(piece);
                }
            }
        }
        Ok(out)
    }

    fn response() -> RangeResponse {
        RangeResponse {
            header: Some(ResponseHeader {
                cluster_id: 14841639068965178418,
                member_id: 10276657743932975437,
                revision: 300,
                raft_term: 2,
            }),
            kvs: (0..40)
                .map(|i| KeyValue {
                    key: format!("/registry/pods/ns/{i}").into_bytes(),
                    value: vec![0xff; i * 37],
                    create_revision: i as i64 + 2,
                    mod_revision: 1 << 40,
                    version: 3,
                    lease: if i % 3 == 0 { 7587862 } else { 0 },
                })
                .collect(),
            more: true,
            count: 1234,
        }
    }

    #[test]
    fn pieces_arriving_in_any_chunks_rebuild_the_response() {
        let expected = response();
        let message = expected.encode_to_vec();
        for step in [1, 2, 3, 7, 64, 1000, message.len()] {
            let mut rebuilt = RangeResponse::default();
            for piece in pieces(&message, step).unwrap() {
                match piece {
                    Piece::Header(h) => rebuilt.header = Some(h),
                    Piece::Kv(kv) => rebuilt.kvs.push(kv),
                    Piece::More(more) => rebuilt.more = more,
                    Piece::Count(count) => rebuilt.count = count,
                }
            }
            assert_eq!(rebuilt, expected, "step {step}");
        }
    }

    #[test]
    fn unknown_fields_are_skipped() {
        let mut message = response().encode_to_vec();
        // Field 9 as a varint, a fixed64, a fixed32 and a length-delimited value.
        message.extend([0x48, 0x96, 0x01]);
        message.extend([0x49, 1, 2, 3, 4, 5, 6, 7, 8]);
        message.extend([0x4d, 1, 2, 3, 4]);
        message.extend([0x4a, 2, b'h', b'i']);
        assert_eq!(pieces(&message, 5).unwrap().len(), 1 + 40 + 2);
    }

    #[test]
    fn a_cut_or_corrupt_message_is_an_error_not_a_wait() {
        let message = response().encode_to_vec();
        // The message claims fewer bytes than its last field needs.
        let cut = &message[..message.len() - 1];
        assert!(pieces(cut, 3).is_err());
        assert_eq!(
            parse_field(&[0x12, 0xff, 0xff, 0xff, 0xff, 0x0f], 6).unwrap_err(),
            "a field longer than the message"
        );
        assert_eq!(parse_field(&[0x0b], 1).unwrap_err(), "an unknown wire type");
        assert_eq!(
            parse_field(&[[0x10].as_slice(), &[0x80; 11]].concat(), 12).unwrap_err(),
            "a varint over ten bytes"
        );
        assert_eq!(
            parse_field(&[0x18, 0x01], 2).map(|p| matches!(
                p,
                Parsed::Field {
                    piece: Some(Piece::More(true)),
                    used: 2
                }
            )),
            Ok(true)
        );
        assert_eq!(
            parse_field(&[0x12, 0x01], 3).map(|p| matches!(p, Parsed::Need)),
            Ok(true)
        );
    }
}
