//! The v2 client core: HTTP/1.1 over the shared hyper client ([`crate::http1`]),
//! one pinned endpoint rotated on failure, `--timeout` per request, `--total-timeout` per call,
//! the member-list sync, and the cluster error that lists every endpoint's failure. It never
//! prints: `--debug` lines go to the [`Trace`] the caller hands in.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request as HttpRequest};
use tokio::net::TcpStream;

use super::error::Error;
use super::url::Url;
use crate::client::tls::TlsOptions;
use crate::go::errno_text as go_errno_text;
use crate::go::quote as go_quote;
use crate::http1::{self, Sender};

/// Where `--debug` lines go (stderr in the binary, a buffer in tests).
pub type Trace = Box<dyn FnMut(&str) + Send>;

/// One request, before an endpoint is chosen: method, path (unescaped, canonical), the encoded
/// query, and an optional body with its content type.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub body: Option<(String, &'static str)>,
    /// Watches wait for an event: no per-request header timeout.
    pub wait: bool,
    /// Deletes and creates are not retried on the next endpoint (etcdctl's one-shot requests).
    pub one_shot: bool,
}

impl Request {
    pub fn new(method: Method, path: String) -> Request {
        Request {
            method,
            path,
            query: String::new(),
            body: None,
            wait: false,
            one_shot: false,
        }
    }

    pub fn query(mut self, query: String) -> Request {
        self.query = query;
        self
    }

    pub fn form(mut self, body: String) -> Request {
        self.body = Some((body, "application/x-www-form-urlencoded"));
        self
    }

    pub fn json(mut self, body: String) -> Request {
        self.body = Some((body, "application/json"));
        self
    }

    fn url(&self, endpoint: &Url) -> String {
        let mut url = endpoint.with_path(self.path.clone()).to_string();
        if !self.query.is_empty() {
            url.push('?');
            url.push_str(&self.query);
        }
        url
    }

    /// etcdctl's `cURL Command: ...` line for this request to `endpoint`.
    pub fn curl(&self, endpoint: &Url) -> String {
        let mut line = format!(
            "cURL Command: curl -X {} {}",
            self.method,
            self.url(endpoint)
        );
        if let Some((body, _)) = &self.body {
            line.push_str(" -d ");
            line.push_str(&go_quote(body.as_bytes()));
        }
        line
    }
}

/// A response: status, the `X-Etcd-Index` header and the body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub index: Option<u64>,
    pub body: Vec<u8>,
}

/// Everything the client needs from the settings.
pub struct Config {
    pub endpoints: Vec<Url>,
    pub tls: TlsOptions,
    pub timeout: Duration,
    /// etcdctl's transport dials for at most 30 s, or `--total-timeout` when that is shorter
    /// (watches included).
    pub dial_timeout: Duration,
    /// Basic-auth user and password.
    pub credentials: Option<(String, String)>,
}

/// The cluster client: endpoints, the pinned one, and one kept-alive connection.
pub struct Client {
    endpoints: Vec<Url>,
    pinned: usize,
    timeout: Duration,
    dial_timeout: Duration,
    authorization: Option<String>,
    tls: TlsOptions,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    conn: Option<(String, Sender)>,
    trace: Option<Trace>,
}

impl Client {
    pub fn new(config: Config) -> Result<Client, Error> {
        if config.endpoints.is_empty() {
            return Err(Error::NoEndpoints);
        }
        let authorization = config.credentials.map(|(user, password)| {
            use base64::Engine as _;
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            format!("Basic {token}")
        });
        Ok(Client {
            endpoints: config.endpoints,
            pinned: 0,
            timeout: config.timeout,
            dial_timeout: config.dial_timeout,
            authorization,
            tls: config.tls,
            tls_config: None,
            conn: None,
            trace: None,
        })
    }

    /// A client with the same endpoints and TLS settings but no credentials and no `--debug`
    /// lines: cluster-health's plain HTTP client.
    pub fn plain(&self) -> Client {
        Client {
            endpoints: self.endpoints.clone(),
            pinned: 0,
            timeout: self.timeout,
            dial_timeout: self.dial_timeout,
            authorization: None,
            tls: self.tls.clone(),
            tls_config: self.tls_config.clone(),
            conn: None,
            trace: None,
        }
    }

    /// Turns on `--debug`'s cURL lines.
    pub fn set_trace(&mut self, trace: Trace) {
        self.trace = Some(trace);
    }

    pub fn trace(&mut self, line: &str) {
        if let Some(trace) = &mut self.trace {
            trace(line);
        }
    }

    /// The endpoints as etcdctl lists them in its `--debug` lines.
    pub fn endpoints(&self) -> Vec<String> {
        self.endpoints.iter().map(Url::to_string).collect()
    }

    /// Replaces the endpoints (after a sync); keeps the current order when the set is the same.
    pub fn set_endpoints(&mut self, endpoints: Vec<Url>) {
        let key = |eps: &[Url]| {
            let mut v: Vec<String> = eps.iter().map(Url::to_string).collect();
            v.sort();
            v
        };
        if key(&endpoints) != key(&self.endpoints) {
            self.endpoints = endpoints;
            self.pinned = 0;
        }
    }

    /// Sends `req` to the pinned endpoint, then to each next one on failure (unless one-shot),
    /// all before `deadline`.
    pub async fn send(
        &mut self,
        req: &Request,
        deadline: Option<Instant>,
    ) -> Result<Response, Error> {
        let n = self.endpoints.len();
        if n == 0 {
            return Err(Error::NoEndpoints);
        }
        let mut errors = Vec::new();
        let pinned = self.pinned;
        for i in pinned..pinned + n {
            let k = i % n;
            let endpoint = self.endpoints[k].clone();
            let result = self.attempt(&endpoint, req, deadline).await;
            let err = match result {
                Err(Error::Deadline) => return Err(Error::Deadline),
                Err(e) => e,
                Ok(resp) if resp.status / 100 == 5 => {
                    let message = match resp.status {
                        500 | 503 => format!("client: etcd member {endpoint} has no leader"),
                        code => format!(
                            "client: etcd member {endpoint} returns server error [{}]",
                            status_text(code)
                        ),
                    };
                    errors.push(Error::Endpoint {
                        message,
                        connection: false,
                    });
                    if req.one_shot {
                        self.pinned = (k + 1) % n;
                        return Err(errors.swap_remove(0));
                    }
                    continue;
                }
                Ok(resp) => {
                    self.pinned = k;
                    return Ok(resp);
                }
            };
            if req.one_shot {
                self.pinned = (k + 1) % n;
                return Err(err);
            }
            errors.push(err);
        }
        Err(Error::Cluster(errors))
    }

    /// One `GET` of `path` on `url`, outside the cluster rotation.
    pub async fn get_once(&mut self, url: &Url, path: &str) -> Result<Response, Error> {
        let req = Request::new(Method::GET, path.to_string());
        self.attempt(url, &req, None).await
    }

    async fn attempt(
        &mut self,
        endpoint: &Url,
        req: &Request,
        deadline: Option<Instant>,
    ) -> Result<Response, Error> {
        if let Some(trace) = &mut self.trace {
            trace(&req.curl(endpoint));
        }
        let header_limit =
            (!req.wait && !self.timeout.is_zero()).then(|| Instant::now() + self.timeout);
        let limit = match (header_limit, deadline) {
            (Some(h), Some(d)) => Some(h.min(d)),
            (h, d) => h.or(d),
        };
        // A limit closer than the timer can resolve has already passed, as in Go: without this
        // a `--timeout=1ns` request would finish inside tokio's first millisecond tick.
        if limit.is_some_and(has_passed) {
            return Err(timed_out(endpoint, deadline));
        }
        let headers = async {
            let mut sender = self.connection(endpoint).await?;
            let http = self.build(endpoint, req)?;
            let resp = sender
                .send_request(http)
                .await
                .map_err(|e| read_error(endpoint, &e));
            self.conn = Some((endpoint.to_string(), sender));
            resp
        };
        let resp = match limit {
            Some(limit) => match tokio::time::timeout_at(limit.into(), headers).await {
                Ok(r) => r?,
                Err(_) => {
                    self.conn = None;
                    return Err(timed_out(endpoint, deadline));
                }
            },
            None => headers.await?,
        };
        let status = resp.status().as_u16();
        let index = resp
            .headers()
            .get("X-Etcd-Index")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let body = async {
            resp.into_body()
                .collect()
                .await
                .map(|b| b.to_bytes().to_vec())
                .map_err(|e| read_error(endpoint, &e))
        };
        let body = match deadline {
            Some(d) => tokio::time::timeout_at(d.into(), body)
                .await
                .map_err(|_| Error::Deadline)??,
            None => body.await?,
        };
        Ok(Response {
            status,
            index,
            body,
        })
    }

    fn build(&self, endpoint: &Url, req: &Request) -> Result<HttpRequest<Full<Bytes>>, Error> {
        let mut target = endpoint.with_path(req.path.clone()).to_string();
        // The request line carries the path and query only.
        let start = target
            .find("://")
            .and_then(|i| target[i + 3..].find('/').map(|j| i + 3 + j))
            .unwrap_or(target.len());
        let mut path = target.split_off(start);
        if path.is_empty() {
            path.push('/');
        }
        if !req.query.is_empty() {
            path.push('?');
            path.push_str(&req.query);
        }
        let mut builder = HttpRequest::builder()
            .method(req.method.clone())
            .uri(path)
            .header("Host", &endpoint.host)
            .header("User-Agent", "Go-http-client/1.1");
        if let Some(auth) = &self.authorization {
            builder = builder.header("Authorization", auth);
        }
        let body = match &req.body {
            Some((body, content_type)) => {
                builder = builder.header("Content-Type", *content_type);
                Full::new(Bytes::from(body.clone()))
            }
            None => Full::new(Bytes::new()),
        };
        builder
            .body(body)
            .map_err(|e| Error::other(format!("net/http: invalid request: {e}")))
    }

    /// The kept-alive connection to `endpoint`, or a new one.
    async fn connection(&mut self, endpoint: &Url) -> Result<Sender, Error> {
        if let Some((key, sender)) = self.conn.take()
            && key == endpoint.to_string()
            && !sender.is_closed()
        {
            let mut sender = sender;
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
        }
        match endpoint.scheme.as_str() {
            "http" | "https" if endpoint.is_opaque() || endpoint.host.is_empty() => {
                return Err(Error::other("http: no Host in request URL"));
            }
            "http" | "https" => {}
            other => {
                return Err(Error::Endpoint {
                    message: format!("unsupported protocol scheme {other:?}"),
                    connection: false,
                });
            }
        }
        let authority = endpoint.authority();
        let tcp = dial(&authority, self.dial_timeout).await?;
        let _ = tcp.set_nodelay(true);
        if endpoint.scheme == "https" {
            let config = self.tls_config()?;
            let name = rustls::pki_types::ServerName::try_from(endpoint.hostname().to_string())
                .map_err(|e| Error::other(format!("tls: {e}")))?;
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| tls_error(&e))?;
            handshake(stream, endpoint).await
        } else {
            handshake(tcp, endpoint).await
        }
    }

    fn tls_config(&mut self) -> Result<Arc<rustls::ClientConfig>, Error> {
        if let Some(config) = &self.tls_config {
            return Ok(config.clone());
        }
        let config = http1::tls_config(&self.tls).map_err(|e| Error::other(e.to_string()))?;
        self.tls_config = Some(config.clone());
        Ok(config)
    }
}

async fn handshake<T>(io: T, endpoint: &Url) -> Result<Sender, Error>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    http1::handshake(io)
        .await
        .map_err(|e| read_error(endpoint, &e))
}

/// The error for a request whose time ran out: `--total-timeout`'s when that one has passed,
/// else the endpoint's header timeout.
fn timed_out(endpoint: &Url, deadline: Option<Instant>) -> Error {
    if deadline.is_some_and(has_passed) {
        return Error::Deadline;
    }
    Error::Endpoint {
        message: format!("client: endpoint {endpoint} exceeded header timeout"),
        connection: false,
    }
}

/// Whether `limit` is now, or so near that tokio's millisecond timer would only notice it after
/// the work it bounds is done.
fn has_passed(limit: Instant) -> bool {
    limit.saturating_duration_since(Instant::now()) < Duration::from_millis(1)
}

/// Connects as Go's dialer does, within `limit`, with its error text (`dial tcp ADDR: connect:
/// ...`, `dial tcp ADDR: i/o timeout`).
async fn dial(authority: &str, limit: Duration) -> Result<TcpStream, Error> {
    let deadline = Instant::now() + limit;
    let addrs: Vec<std::net::SocketAddr> = match tokio::net::lookup_host(authority).await {
        Ok(addrs) => addrs.collect(),
        Err(e) => {
            let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
            return Err(Error::Endpoint {
                message: format!("dial tcp: lookup {host}: {}", go_errno_text(&e)),
                connection: true,
            });
        }
    };
    let mut first_error = None;
    for addr in &addrs {
        let timed_out = || Error::Endpoint {
            message: format!("dial tcp {addr}: i/o timeout"),
            connection: true,
        };
        if has_passed(deadline) {
            return Err(timed_out());
        }
        let connected = tokio::time::timeout_at(deadline.into(), TcpStream::connect(addr)).await;
        match connected.map_err(|_| timed_out())? {
            Ok(tcp) => return Ok(tcp),
            Err(e) => {
                first_error.get_or_insert(Error::Endpoint {
                    message: format!("dial tcp {addr}: connect: {}", go_errno_text(&e)),
                    connection: true,
                });
            }
        }
    }
    Err(first_error.unwrap_or_else(|| Error::Endpoint {
        message: format!("dial tcp: lookup {authority}: no such host"),
        connection: true,
    }))
}

/// A failure after the connection was made: the server closed it (`EOF`), refused our
/// certificate (TLS 1.3 says so only after the handshake), or it broke.
fn read_error(_endpoint: &Url, e: &hyper::Error) -> Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Error::Endpoint {
                message: crate::go::tls_error(tls),
                connection: false,
            };
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            return Error::Endpoint {
                message: crate::go::tls_error(tls),
                connection: false,
            };
        }
        source = cause.source();
    }
    let message = if e.is_incomplete_message() || e.is_closed() {
        "EOF".to_string()
    } else {
        e.to_string()
    };
    Error::Endpoint {
        message,
        connection: false,
    }
}

fn tls_error(e: &std::io::Error) -> Error {
    let message = match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => crate::go::tls_error(tls),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => "EOF".to_string(),
        None => go_errno_text(e),
    };
    Error::Endpoint {
        message,
        connection: false,
    }
}

/// Go's `http.StatusText` for the 5xx codes etcd may answer with.
fn status_text(code: u16) -> &'static str {
    match code {
        501 => "Not Implemented",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_lines_quote_bodies_as_go() {
        let ep = Url::parse_endpoint("http://127.0.0.1:1").unwrap();
        let req = Request::new(Method::PUT, "/v2/keys/a b".into())
            .query("prevExist=false".into())
            .form("value=x+%22y%22".into());
        assert_eq!(
            req.curl(&ep),
            "cURL Command: curl -X PUT http://127.0.0.1:1/v2/keys/a%20b?prevExist=false -d \"value=x+%22y%22\""
        );
        let get = Request::new(Method::GET, "/v2/members".into());
        assert_eq!(
            get.curl(&ep),
            "cURL Command: curl -X GET http://127.0.0.1:1/v2/members"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn dead_endpoints_make_a_cluster_error_in_order() {
        let dead = |port| Url::parse_endpoint(&format!("http://127.0.0.1:{port}")).unwrap();
        let mut client = Client::new(Config {
            endpoints: vec![dead(1), dead(2)],
            tls: TlsOptions::default(),
            timeout: Duration::from_secs(2),
            dial_timeout: Duration::from_secs(30),
            credentials: None,
        })
        .unwrap();
        let err = client
            .send(&Request::new(Method::GET, "/v2/members".into()), None)
            .await
            .unwrap_err();
        assert!(err.is_connection());
        assert_eq!(
            err.to_string(),
            "client: etcd cluster is unavailable or misconfigured; \
             error #0: dial tcp 127.0.0.1:1: connect: connection refused\n\
             ; error #1: dial tcp 127.0.0.1:2: connect: connection refused\n"
        );
    }
}
