//! The probes `doctor` runs below gRPC: name lookup, a TCP connect, a TLS handshake that records
//! what the server presented and asked for, and plain HTTP/1.1 requests that tell etcd's client
//! port from its peer port or from something that is not etcd. They bypass the client core on
//! purpose: the core hides behind one error exactly the details a diagnosis needs.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rustls::client::danger::ServerCertVerifier;
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::pki_types::ServerName;
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::TlsOptions;
use crate::client::tls::CertVerifier;

/// Any connection an HTTP request can go over: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub async fn resolve(host: &str, port: u16, budget: Duration) -> Result<Vec<SocketAddr>, String> {
    match tokio::time::timeout(budget, tokio::net::lookup_host((host, port))).await {
        Err(_) => Err(format!("no answer within {budget:?}")),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Err("the name has no addresses".into())
            } else {
                Ok(addrs)
            }
        }
    }
}

pub enum TcpFailure {
    Refused,
    /// Neither accepted nor refused: dropped by a firewall, or the host is down.
    Silent,
    Other(io::Error),
}

pub async fn connect(addr: SocketAddr, budget: Duration) -> Result<TcpStream, TcpFailure> {
    match tokio::time::timeout(budget, TcpStream::connect(addr)).await {
        Err(_) => Err(TcpFailure::Silent),
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => Err(TcpFailure::Refused),
        Ok(Err(e)) => Err(TcpFailure::Other(e)),
        Ok(Ok(stream)) => Ok(stream),
    }
}

/// What the server showed during the TLS handshake.
#[derive(Debug, Default)]
pub struct Seen {
    /// The server's own certificate (DER), once it sent one.
    pub server_cert: Option<Vec<u8>>,
    /// The server sent a CertificateRequest: it wants a client certificate.
    pub client_cert_requested: bool,
}

/// The TLS settings of `opts` (the same files, loaded by the same code as the client's), with
/// recorders around certificate verification and client-certificate selection, speaking
/// HTTP/1.1 instead of gRPC's h2.
pub fn tls_config(opts: &TlsOptions, seen: &Arc<Mutex<Seen>>) -> Result<Arc<ClientConfig>, String> {
    let base = crate::http1::tls_config(opts).map_err(|e| e.to_string())?;
    let mut config = (*base).clone();
    config.client_auth_cert_resolver = Arc::new(RecordingResolver {
        inner: config.client_auth_cert_resolver.clone(),
        seen: seen.clone(),
    });
    // With --insecure-skip-tls-verify the client's own accept-anything verifier stays.
    if !opts.skip_verify {
        let roots =
            crate::client::tls::root_store(opts.ca_file.as_deref()).map_err(|e| e.to_string())?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| format!("TLS: {e}"))?;
        let seen = seen.clone();
        let recording = CertVerifier::new(
            &provider,
            Box::new(move |end_entity, intermediates, name, ocsp, now| {
                seen.lock().unwrap().server_cert = Some(end_entity.to_vec());
                webpki.verify_server_cert(end_entity, intermediates, name, ocsp, now)
            }),
        );
        config
            .dangerous()
            .set_certificate_verifier(Arc::new(recording));
    }
    Ok(Arc::new(config))
}

pub async fn handshake(
    tcp: TcpStream,
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    budget: Duration,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, HttpFailure> {
    let connecting = tokio_rustls::TlsConnector::from(config).connect(name, tcp);
    match tokio::time::timeout(budget, connecting).await {
        Err(_) => Err(HttpFailure::Silent),
        Ok(Err(e)) => Err(HttpFailure::Io(e)),
        Ok(Ok(stream)) => Ok(stream),
    }
}

/// The rustls error inside an I/O error from a TLS stream, if that is what it is.
pub fn tls_error(err: &io::Error) -> Option<&rustls::Error> {
    err.get_ref()?.downcast_ref::<rustls::Error>()
}

#[derive(Debug)]
struct RecordingResolver {
    inner: Arc<dyn ResolvesClientCert>,
    seen: Arc<Mutex<Seen>>,
}

impl ResolvesClientCert for RecordingResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.seen.lock().unwrap().client_cert_requested = true;
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Local time half-way between sending the request and receiving the answer.
    pub local_midpoint: SystemTime,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub enum HttpFailure {
    /// Nothing arrived in time: the process is frozen, overloaded or not answering.
    Silent,
    /// The server closed the connection without a byte.
    Closed,
    /// Bytes came back, but not an HTTP response; the first few are kept.
    NotHttp(Vec<u8>),
    Io(io::Error),
}

/// Responses larger than this are not etcd's short `/version` or `/members` answers.
const MAX_RESPONSE: usize = 64 * 1024;

/// `GET path` on a kept-alive connection, reading one response.
pub async fn get(
    stream: &mut dyn Io,
    host: &str,
    path: &str,
    budget: Duration,
) -> Result<HttpResponse, HttpFailure> {
    let sent = SystemTime::now();
    let exchange = async {
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ectl-doctor\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(HttpFailure::Io)?;
        read_response(stream).await
    };
    let (status, headers, body) = match tokio::time::timeout(budget, exchange).await {
        Err(_) => return Err(HttpFailure::Silent),
        Ok(result) => result?,
    };
    let received = SystemTime::now();
    let half = received.duration_since(sent).unwrap_or_default() / 2;
    Ok(HttpResponse {
        status,
        headers,
        body,
        local_midpoint: sent + half,
    })
}

type Parsed = (u16, Vec<(String, String)>, Vec<u8>);

async fn read_response(stream: &mut dyn Io) -> Result<Parsed, HttpFailure> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.map_err(HttpFailure::Io)?;
        if n == 0 {
            return match parse(&buf, true) {
                _ if buf.is_empty() => Err(HttpFailure::Closed),
                Some(parsed) => Ok(parsed),
                None => Err(not_http(&buf)),
            };
        }
        buf.extend_from_slice(&chunk[..n]);
        if !buf.starts_with(&b"HTTP/"[..buf.len().min(5)]) || buf.len() > MAX_RESPONSE {
            return Err(not_http(&buf));
        }
        if let Some(parsed) = parse(&buf, false) {
            return Ok(parsed);
        }
    }
}

fn not_http(buf: &[u8]) -> HttpFailure {
    HttpFailure::NotHttp(buf[..buf.len().min(16)].to_vec())
}

/// One complete response in `buf`, or `None` while more is needed. Without a Content-Length the
/// body runs to the end of the connection (`closed`).
fn parse(buf: &[u8], closed: bool) -> Option<Parsed> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let body = &buf[end + 4..];
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok());
    match length {
        Some(length) if body.len() >= length => Some((status, headers, body[..length].to_vec())),
        None if closed => Some((status, headers, body.to_vec())),
        _ => None,
    }
}

/// An HTTP `Date` header (`Tue, 01 Dec 2026 07:31:06 GMT`, the only form servers send now).
pub fn parse_http_date(value: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms[..] else { return None };
    let seconds = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        let t = parse_http_date("Tue, 01 Dec 2026 07:31:06 GMT").unwrap();
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 1_796_110_266);
        assert_eq!(
            parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(SystemTime::UNIX_EPOCH)
        );
        assert!(parse_http_date("yesterday").is_none());
        assert!(parse_http_date("Tue, 01 Foo 2026 07:31:06 GMT").is_none());
    }

    #[test]
    fn responses_parse_with_and_without_a_length() {
        let full = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: x\r\n\r\nhi";
        let (status, headers, body) = parse(full, false).unwrap();
        assert_eq!((status, body.as_slice()), (200, &b"hi"[..]));
        assert_eq!(headers[1], ("Date".to_string(), "x".to_string()));
        assert!(parse(&full[..full.len() - 1], false).is_none());
        let unbounded = b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request";
        assert!(parse(unbounded, false).is_none());
        assert_eq!(parse(unbounded, true).unwrap().0, 400);
    }
}
