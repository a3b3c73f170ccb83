//! What a failed request says about its endpoint and about the request itself, decided from the
//! typed error (gRPC code, and the hyper, h2 and I/O errors in the status's source chain), never
//! from message text the transport makes up.
//!
//! The answer decides failover: a request etcd never saw may go to any other member; one whose
//! connection broke while it was out may have been applied, so only reads are sent again.

use std::error::Error as StdError;
use std::io;

use tonic::{Code, Status};

/// How one attempt of a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// etcd never processed it: the connection could not carry the request, or what answered
    /// is not an etcd client port (an HTTP server, a gRPC server without etcd's services).
    /// Any request may go to the next endpoint.
    NotServed,
    /// What answered speaks HTTP but is no gRPC server (so no etcd member either); the status
    /// is tonic's, not the server's. Any request may go to the next endpoint.
    NotEtcd,
    /// The connection broke (reset, closed, broken pipe, GOAWAY) after the request was sent:
    /// a read may be sent again elsewhere, a write may or may not have been applied.
    ConnectionLost,
    /// etcd answered that it cannot serve the request now (no leader, timed out inside etcd):
    /// another member may serve a read.
    Unavailable,
    /// A real answer from etcd (an error of the request itself): returned as it is.
    Answer,
}

/// tonic's words when an HTTP/2 response carried no gRPC status: what answered speaks HTTP/2
/// but not gRPC. tonic keeps nothing typed about this case, so its own text is the only sign.
const NO_GRPC_STATUS: &str = "grpc-status header missing, mapped from HTTP status code";

pub fn classify(status: &Status) -> Failure {
    if let Some(failure) = transport_failure(status) {
        return failure;
    }
    if status.message().starts_with(NO_GRPC_STATUS) {
        return Failure::NotEtcd;
    }
    if status.code() == Code::Unimplemented {
        return Failure::NotServed;
    }
    match status.code() {
        Code::Unavailable => Failure::Unavailable,
        _ => Failure::Answer,
    }
}

/// The failure a transport error in `status`'s source chain shows, if there is one.
fn transport_failure(status: &Status) -> Option<Failure> {
    let mut found = None;
    walk(status, &mut |e| {
        if found.is_some() {
            return;
        }
        // tonic's own error for a request its connection could not take: it never left.
        if status.code() == Code::Unavailable
            && e.downcast_ref::<tonic::transport::Error>().is_some()
            && e.source().is_some_and(is_connect_error)
        {
            found = Some(Failure::NotServed);
        } else if let Some(h2) = e.downcast_ref::<h2::Error>() {
            found = Some(h2_failure(h2));
        } else if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            found = hyper_failure(hyper);
        } else if let Some(io) = e.downcast_ref::<io::Error>() {
            found = io_failure(io);
        }
    });
    found
}

/// A connection that could not be (re)opened: the request was never written.
fn is_connect_error(e: &(dyn StdError + 'static)) -> bool {
    let mut connect = false;
    walk(e, &mut |e| {
        connect |= e.downcast_ref::<tonic::ConnectError>().is_some();
    });
    connect
}

fn h2_failure(e: &h2::Error) -> Failure {
    if let Some(io) = e.get_io() {
        return io_failure(io).unwrap_or(Failure::ConnectionLost);
    }
    match e.reason() {
        // The peer refused the stream before processing it (RFC 9113, 8.7).
        Some(h2::Reason::REFUSED_STREAM) if e.is_remote() => Failure::NotServed,
        // Our side of the connection found the peer's frames invalid: it does not speak
        // HTTP/2, so it is no etcd member.
        Some(h2::Reason::PROTOCOL_ERROR | h2::Reason::FRAME_SIZE_ERROR)
            if e.is_library() && e.is_go_away() =>
        {
            Failure::NotEtcd
        }
        _ => Failure::ConnectionLost,
    }
}

fn hyper_failure(e: &hyper::Error) -> Option<Failure> {
    if e.is_parse() {
        return Some(Failure::NotEtcd);
    }
    // Keepalive pings went unanswered while the request was out.
    if e.is_timeout() {
        return Some(Failure::ConnectionLost);
    }
    // Otherwise the h2 or I/O error below says more; a bare close says enough.
    let below = e.source().is_some_and(|s| {
        s.downcast_ref::<h2::Error>().is_some() || s.downcast_ref::<io::Error>().is_some()
    });
    (!below && (e.is_closed() || e.is_incomplete_message() || e.is_canceled()))
        .then_some(Failure::ConnectionLost)
}

fn io_failure(e: &io::Error) -> Option<Failure> {
    use io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => Some(Failure::NotServed),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | NotConnected
        | TimedOut => Some(Failure::ConnectionLost),
        _ => None,
    }
}

/// Calls `visit` on `err` and every error below it, looking inside `io::Error`s too (their
/// `source` skips the error they wrap).
pub(super) fn walk<'a>(
    err: &'a (dyn StdError + 'static),
    visit: &mut dyn FnMut(&'a (dyn StdError + 'static)),
) {
    let mut current = Some(err);
    while let Some(e) = current {
        visit(e);
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            walk(inner, visit);
        }
        current = e.source();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A status as tonic builds it for a transport failure: code Unknown, the error as source.
    fn transport(err: impl StdError + Send + Sync + 'static) -> Status {
        Status::from_error(Box::new(err))
    }

    #[test]
    fn each_kind_of_broken_connection_is_connection_lost() {
        for kind in [
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionAborted,
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::UnexpectedEof,
        ] {
            let status = transport(io::Error::from(kind));
            assert_eq!(classify(&status), Failure::ConnectionLost, "{kind:?}");
        }
    }

    #[test]
    fn a_refused_connection_was_not_served() {
        let refused = transport(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(classify(&refused), Failure::NotServed);
    }

    #[test]
    fn a_stream_reset_by_our_side_counts_as_lost() {
        // A reset this side raised itself (not a GOAWAY about the peer's frames).
        let reset = transport(h2::Error::from(h2::Reason::INTERNAL_ERROR));
        assert_eq!(classify(&reset), Failure::ConnectionLost);
    }

    #[test]
    fn servers_that_are_not_etcd_were_not_served() {
        let http2_only =
            Status::unimplemented("grpc-status header missing, mapped from HTTP status code 404");
        assert_eq!(classify(&http2_only), Failure::NotEtcd);
        let no_service = Status::unimplemented("unknown service etcdserverpb.KV");
        assert_eq!(classify(&no_service), Failure::NotServed);
    }

    #[test]
    fn etcd_answers_are_answers_and_its_unavailability_is_not_a_broken_connection() {
        let no_leader = Status::unavailable("etcdserver: no leader");
        assert_eq!(classify(&no_leader), Failure::Unavailable);
        let denied = Status::permission_denied("etcdserver: permission denied");
        assert_eq!(classify(&denied), Failure::Answer);
        // The words alone prove nothing: without a transport error below, it is etcd's answer.
        let words = Status::unknown("transport error: connection reset");
        assert_eq!(classify(&words), Failure::Answer);
    }

    /// The status a real tonic client gets for a Range when the server side of its connection
    /// is `server`: a thread given the accepted socket after the HTTP/2 preface was exchanged
    /// and the request has arrived.
    fn status_from(server: impl FnOnce(std::net::TcpStream) + Send + 'static) -> Status {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            // An empty SETTINGS frame, then whatever the client sends first.
            conn.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).unwrap();
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            std::thread::sleep(std::time::Duration::from_millis(50));
            server(conn);
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let connector = super::super::connect::Connector {
                host: "127.0.0.1".into(),
                port,
                tls: None,
                liveness: Default::default(),
            };
            let channel =
                tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
                    .unwrap()
                    .connect_with_connector(connector)
                    .await
                    .unwrap();
            let mut kv = crate::pb::etcdserverpb::kv_client::KvClient::new(channel);
            kv.range(crate::pb::etcdserverpb::RangeRequest::default())
                .await
                .expect_err("the server never answers")
        })
    }

    #[test]
    fn a_real_closed_connection_is_connection_lost() {
        let status = status_from(drop);
        assert_eq!(classify(&status), Failure::ConnectionLost, "{status:?}");
    }

    #[test]
    fn a_real_reset_connection_is_connection_lost() {
        let status = status_from(|conn| {
            use std::os::fd::AsRawFd;
            // SO_LINGER 0: closing sends RST instead of FIN.
            let linger = libc::linger {
                l_onoff: 1,
                l_linger: 0,
            };
            // SAFETY: a valid socket descriptor and a correctly sized option value.
            let set = unsafe {
                libc::setsockopt(
                    conn.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&linger as *const libc::linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                )
            };
            assert_eq!(set, 0);
            drop(conn);
        });
        assert_eq!(classify(&status), Failure::ConnectionLost, "{status:?}");
    }

    #[test]
    fn a_real_goaway_is_connection_lost() {
        use std::io::Write;
        let status = status_from(|mut conn| {
            // GOAWAY (type 7) on stream 0: last stream 1, INTERNAL_ERROR (2).
            let _ = conn.write_all(&[0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
            std::thread::sleep(std::time::Duration::from_millis(50));
        });
        assert_eq!(classify(&status), Failure::ConnectionLost, "{status:?}");
    }

    #[test]
    fn http1_bytes_after_the_preface_show_a_server_that_is_not_etcd() {
        use std::io::Write;
        let status = status_from(|mut conn| {
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            std::thread::sleep(std::time::Duration::from_millis(50));
        });
        assert_eq!(classify(&status), Failure::NotEtcd, "{status:?}");
    }
}
