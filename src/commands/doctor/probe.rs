//! The probes `doctor` runs below gRPC: name lookup, a TCP connect, a TLS handshake that records
//! what the server presented and asked for, and plain HTTP/1.1 requests that tell etcd's client
//! port from its peer port or from something that is not etcd. They bypass the client core on
//! purpose: the core hides behind one error exactly the details a diagnosis needs.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use rustls::client::ResolvesClientCert;
use rustls::pki_types::ServerName;
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::client::TlsOptions;
use crate::client::connect::poll_read_observed;
use crate::client::tls::CertVerifier;
use crate::go;
use crate::http1;

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
        let seen = seen.clone();
        let recording = CertVerifier::checked_after(
            &provider,
            roots,
            Box::new(move |end_entity| {
                seen.lock().unwrap().server_cert = Some(end_entity.to_vec());
            }),
        )
        .map_err(|e| e.to_string())?;
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
    headers: hyper::HeaderMap,
    pub body: Vec<u8>,
    /// Local time half-way between sending the request and receiving the answer.
    pub local_midpoint: SystemTime,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
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

/// How many of an answer's first bytes are kept to name what sent them.
const FIRST_BYTES: usize = 16;

/// A kept-alive HTTP/1.1 connection on the shared client ([`crate::http1`]) that keeps the
/// first bytes of each answer: when they are not HTTP, they tell what the port speaks (a TLS
/// alert, another protocol), which hyper's errors do not carry.
pub struct Conn {
    /// The stream until the first request hands it to hyper.
    stream: Option<Box<dyn Io>>,
    sender: Option<http1::Sender>,
    first: Arc<Mutex<Vec<u8>>>,
}

impl Conn {
    pub fn new(stream: impl Io + 'static) -> Conn {
        Conn {
            stream: Some(Box::new(stream)),
            sender: None,
            first: Arc::default(),
        }
    }

    /// `GET path`, reading one response within `budget`.
    pub async fn get(
        &mut self,
        host: &str,
        path: &str,
        budget: Duration,
    ) -> Result<HttpResponse, HttpFailure> {
        if let Some(stream) = self.stream.take() {
            let recording = Recording {
                inner: stream,
                first: self.first.clone(),
            };
            self.sender = Some(
                http1::handshake(recording)
                    .await
                    .map_err(|e| failure(e, &[]))?,
            );
        }
        // Only a failed hand-over leaves no sender: there is no connection any more.
        let Some(sender) = &mut self.sender else {
            return Err(HttpFailure::Closed);
        };
        self.first.lock().unwrap().clear();
        let sent = SystemTime::now();
        let headers = [("Host", host), ("User-Agent", "ectl-doctor")];
        let exchange = http1::get(sender, path, &headers);
        let response = match tokio::time::timeout(budget, exchange).await {
            Err(_) => return Err(HttpFailure::Silent),
            Ok(Err(http1::GetError::Request(e))) => {
                return Err(HttpFailure::Io(io::Error::other(e)));
            }
            Ok(Err(http1::GetError::Http(e))) => {
                let first = self.first.lock().unwrap().clone();
                return Err(failure(e, &first));
            }
            Ok(Ok(response)) => response,
        };
        let received = SystemTime::now();
        let half = received.duration_since(sent).unwrap_or_default() / 2;
        let (head, body) = response.into_parts();
        Ok(HttpResponse {
            status: head.status.as_u16(),
            headers: head.headers,
            body,
            local_midpoint: sent + half,
        })
    }
}

/// What a failed exchange says about the port, given the first bytes it answered with.
fn failure(e: hyper::Error, first: &[u8]) -> HttpFailure {
    if !first.is_empty() && (e.is_parse() || e.is_incomplete_message()) {
        return HttpFailure::NotHttp(first.to_vec());
    }
    if e.is_incomplete_message() || e.is_closed() {
        return HttpFailure::Closed;
    }
    // The I/O error under hyper's, as a copy that keeps its kind and a TLS error inside it
    // (rustls errors are what the TLS stage diagnoses).
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return HttpFailure::Io(match tls_error(io) {
                Some(tls) => io::Error::new(io.kind(), tls.clone()),
                None => io::Error::new(io.kind(), io.to_string()),
            });
        }
        source = cause.source();
    }
    HttpFailure::Io(io::Error::other(e))
}

/// A stream that keeps the first [`FIRST_BYTES`] read since `first` was last cleared.
struct Recording<T> {
    inner: T,
    first: Arc<Mutex<Vec<u8>>>,
}

impl<T: Io> AsyncRead for Recording<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        poll_read_observed(Pin::new(&mut this.inner), cx, buf, |_, read| {
            let mut first = this.first.lock().unwrap();
            let room = FIRST_BYTES.saturating_sub(first.len());
            first.extend_from_slice(&read[..read.len().min(room)]);
        })
    }
}

impl<T: Io> AsyncWrite for Recording<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
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
    let seconds = go::days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).ok()?))
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
}
