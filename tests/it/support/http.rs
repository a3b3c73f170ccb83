//! A tiny plain-HTTP client over `std::net::TcpStream`, enough to poll etcd's `/health` and
//! `/metrics` and to call its JSON gateway, without pulling an HTTP stack into the tests.
//!
//! Requests are HTTP/1.0 on purpose: Go then answers without chunked encoding and closes the
//! connection, so "read to end, split at the blank line" is the whole parser.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response: status code and body (lossily decoded; etcd answers JSON or Prometheus text).
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// Sends one request to `addr` and reads the whole answer. `timeout` bounds the connect and
/// each read and write, so a stopped (SIGSTOP) server makes this fail instead of hanging.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
    timeout: Duration,
) -> io::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("bad HTTP response: {text:?}"),
        )
    };
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(bad)?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(bad)?;
    Ok(Response {
        status,
        body: body.to_owned(),
    })
}
