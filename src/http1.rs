//! The one HTTP/1.1 client, on hyper's connection API (the hyper tonic already brings in): the
//! TLS set-up that offers HTTP/1.1 instead of gRPC's h2, the handshake over a TCP or TLS
//! stream, and a plain `GET`. The v2 client sends its requests over it, `check datascale`
//! reads a member's `/metrics` with it, and `doctor` probes a port's answers with it. Dialling, and what a failure is called, stay with each
//! caller: each speaks in its own (etcdctl's) words.

use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::client::{self, TlsOptions};

/// The sending half of one kept-alive connection.
pub type Sender = SendRequest<Full<Bytes>>;

/// The client's TLS settings (the same files, loaded by the same code as the gRPC client's),
/// offering HTTP/1.1 in ALPN where gRPC offers h2.
pub fn tls_config(opts: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, client::Error> {
    let shared = client::tls::client_config(opts)?;
    let mut config = (*shared).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// An HTTP/1.1 connection over `io`. The connection itself runs as a task until the sender is
/// dropped; its errors reach the caller through the request they break.
pub async fn handshake<T>(io: T) -> hyper::Result<Sender>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Why a `GET` failed: the request could not be written as given, or the exchange failed
/// (hyper's error says how).
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    #[error(transparent)]
    Request(#[from] hyper::http::Error),
    #[error(transparent)]
    Http(#[from] hyper::Error),
}

/// `GET path` with `headers` (the `Host` header among them: hyper's connection API adds none):
/// the response with its whole body.
pub async fn get(
    sender: &mut Sender,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Response<Vec<u8>>, GetError> {
    let mut request = Request::builder().method(Method::GET).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::new()))?;
    let (head, body) = sender.send_request(request).await?.into_parts();
    let body = body.collect().await?.to_bytes().to_vec();
    Ok(Response::from_parts(head, body))
}
