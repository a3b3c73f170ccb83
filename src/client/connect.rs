//! Opening one connection to one member: TCP, optional TLS, and proof that an etcd member
//! answers.
//!
//! A frozen (SIGSTOPped) member still completes the TCP handshake from the kernel's backlog, so a
//! successful connect proves nothing. The connection counts as up only once the member has sent
//! its first HTTP/2 bytes, which [`Liveness`] observes on the (decrypted) stream. Those bytes must
//! be the HTTP/2 server preface, a SETTINGS frame: anything else (an HTTP/1 answer, a TLS alert
//! read as plain text) shows an endpoint that is not an etcd client port, and the dial fails.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tonic::transport::Uri;

use super::hint;

/// The length of an HTTP/2 frame header, which is what the server preface starts with.
const FRAME_HEADER: usize = 9;
/// The frame type of SETTINGS (RFC 9113, 6.5).
const SETTINGS: u8 = 0x4;

/// How the member first answered on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It sent the HTTP/2 server preface.
    Http2,
    /// It sent something else; the bytes it began with.
    NotHttp2(Vec<u8>),
    /// It closed the connection before sending anything.
    Closed,
    /// Reading failed before anything arrived; the error as text.
    Failed(String),
}

impl Answer {
    /// The cause of a dial whose first answer was not HTTP/2.
    pub fn cause(&self, tls: bool) -> String {
        match self {
            Answer::Http2 => "answered".into(),
            Answer::NotHttp2(head) => {
                let text = String::from_utf8_lossy(head);
                let serves_tls = !tls && text.starts_with("HTTP/1.0 400");
                format!(
                    "the member answered {:?}, which is not HTTP/2: {}",
                    hint::head_text(head),
                    if serves_tls {
                        "it may serve TLS (use https:// or --cacert)".to_string()
                    } else {
                        hint::NOT_A_CLIENT_PORT.to_string()
                    }
                )
            }
            Answer::Closed if tls => format!(
                "the member closed the connection after the TLS handshake without answering: it \
                 may require client certificates ({})",
                hint::CLIENT_CERT
            ),
            // A TLS member hangs up on the plaintext HTTP/2 preface without a word.
            Answer::Closed => format!(
                "the connection was closed without an answer: {}",
                hint::plain_hang_up()
            ),
            Answer::Failed(cause) => cause.clone(),
        }
    }
}

/// Signalled when the member first answers (or fails to) on a connection.
#[derive(Default)]
pub struct Liveness {
    answer: Mutex<Option<Answer>>,
    notify: Notify,
    /// When the TCP handshake completed: how far away the member is.
    connected: Mutex<Option<Instant>>,
    connected_notify: Notify,
}

impl Liveness {
    fn set_connected(&self) {
        let mut slot = self.connected.lock().unwrap();
        if slot.is_none() {
            *slot = Some(Instant::now());
            self.connected_notify.notify_one();
        }
    }

    /// Waits until the TCP handshake completed, and says when it did.
    pub async fn connected(&self) -> Instant {
        loop {
            let notified = self.connected_notify.notified();
            if let Some(at) = *self.connected.lock().unwrap() {
                return at;
            }
            notified.await;
        }
    }

    fn set(&self, answer: Answer) {
        let mut slot = self.answer.lock().unwrap();
        if slot.is_none() {
            *slot = Some(answer);
            self.notify.notify_one();
        }
    }

    fn decided(&self) -> bool {
        self.answer.lock().unwrap().is_some()
    }

    /// The member's first answer, if it has come.
    pub fn answer(&self) -> Option<Answer> {
        self.answer.lock().unwrap().clone()
    }

    /// Waits for the member's first answer.
    pub async fn answered(&self) -> Answer {
        loop {
            let notified = self.notify.notified();
            if let Some(answer) = self.answer.lock().unwrap().clone() {
                return answer;
            }
            notified.await;
        }
    }
}

/// The first answer `head` shows, once it holds enough bytes to tell.
fn judge(head: &[u8]) -> Option<Answer> {
    if head.len() < FRAME_HEADER {
        return None;
    }
    let stream_id = &head[5..FRAME_HEADER];
    let settings = head[3] == SETTINGS && head[4] & 0x1 == 0 && stream_id.iter().all(|&b| b == 0);
    Some(if settings {
        Answer::Http2
    } else {
        Answer::NotHttp2(head.to_vec())
    })
}

/// What a connection closed after fewer bytes than a frame header shows: those bytes, if any.
fn judge_partial(head: &[u8]) -> Option<Answer> {
    (!head.is_empty()).then(|| Answer::NotHttp2(head.to_vec()))
}

/// The tower service tonic calls to open (and re-open) the transport to one member.
#[derive(Clone)]
pub struct Connector {
    pub host: String,
    pub port: u16,
    pub tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
    pub liveness: Arc<Liveness>,
}

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Stream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let tcp = TcpStream::connect((this.host.as_str(), this.port)).await?;
            this.liveness.set_connected();
            tcp.set_nodelay(true)?;
            let inner = match this.tls {
                None => Inner::Plain(tcp),
                Some((config, name)) => {
                    let tls = TlsConnector::from(config).connect(name, tcp).await?;
                    Inner::Tls(Box::new(tls))
                }
            };
            Ok(TokioIo::new(Stream {
                inner,
                liveness: this.liveness,
                head: Vec::new(),
            }))
        })
    }
}

pub struct Stream {
    inner: Inner,
    liveness: Arc<Liveness>,
    /// The first bytes read, kept until they show whether the member speaks HTTP/2.
    head: Vec<u8>,
}

enum Inner {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// Reads from `reader` and shows `observe` what the read did and the bytes it added to `buf`:
/// the one way a stream here watches what a peer sends first (a member's HTTP/2 preface here,
/// doctor's probes for what a port speaks).
pub(crate) fn poll_read_observed<R: AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
    observe: impl FnOnce(&io::Result<()>, &[u8]),
) -> Poll<io::Result<()>> {
    let before = buf.filled().len();
    let polled = reader.poll_read(cx, buf);
    if let Poll::Ready(result) = &polled {
        observe(result, &buf.filled()[before..]);
    }
    polled
}

impl AsyncRead for Inner {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Inner::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.liveness.decided() {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let tls = matches!(this.inner, Inner::Tls(_));
        let (liveness, head) = (&this.liveness, &mut this.head);
        poll_read_observed(
            Pin::new(&mut this.inner),
            cx,
            buf,
            |result, new| match result {
                Ok(()) if new.is_empty() => {
                    liveness.set(judge_partial(head).unwrap_or(Answer::Closed));
                }
                Ok(()) => {
                    let wanted = FRAME_HEADER - head.len();
                    head.extend_from_slice(&new[..new.len().min(wanted)]);
                    if let Some(answer) = judge(head) {
                        liveness.set(answer);
                        *head = Vec::new();
                    }
                }
                Err(e) => {
                    let hint = hint::for_first_read(e, tls);
                    liveness.set(Answer::Failed(hint::with_hint(hint::cause_chain(e), hint)));
                }
            },
        )
    }
}

impl Stream {
    /// A failed write before the member's first answer is the answer: hyper's connection task
    /// may end on it without ever reading, and the dial must not wait out its timeout.
    fn check_write<T>(&self, polled: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if let Poll::Ready(Err(e)) = &polled
            && !self.liveness.decided()
        {
            let tls = matches!(self.inner, Inner::Tls(_));
            let hint = hint::for_first_read(e, tls);
            self.liveness
                .set(Answer::Failed(hint::with_hint(hint::cause_chain(e), hint)));
        }
        polled
    }
}

impl Drop for Stream {
    /// The connection ended (its task gave up) before the member said anything.
    fn drop(&mut self) {
        self.liveness
            .set(judge_partial(&self.head).unwrap_or(Answer::Closed));
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        };
        self.check_write(polled)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_flush(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        };
        self.check_write(polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = match &mut self.inner {
            Inner::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        };
        self.check_write(polled)
    }

    fn is_write_vectored(&self) -> bool {
        match &self.inner {
            Inner::Plain(s) => s.is_write_vectored(),
            Inner::Tls(s) => s.is_write_vectored(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_settings_frame_is_an_http2_answer() {
        // An empty SETTINGS frame, as etcd sends first.
        assert_eq!(judge(&[0, 0, 0, 4, 0, 0, 0, 0, 0]), Some(Answer::Http2));
        assert_eq!(judge(&[0, 0, 6, 4, 0, 0, 0]), None);
        let http1 = b"HTTP/1.1 400 Bad Request\r\n";
        assert_eq!(
            judge(&http1[..FRAME_HEADER]),
            Some(Answer::NotHttp2(http1[..FRAME_HEADER].to_vec()))
        );
        // A SETTINGS acknowledgement cannot be the first frame.
        assert!(matches!(
            judge(&[0, 0, 0, 4, 1, 0, 0, 0, 0]),
            Some(Answer::NotHttp2(_))
        ));
        assert_eq!(judge_partial(&[]), None);
    }
}
