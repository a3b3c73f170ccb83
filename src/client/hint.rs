//! What to do about a failure, in one place: which flag to check when a member cannot be reached,
//! refuses the TLS handshake or asks for credentials. The hints come from the typed error (I/O
//! error kinds, rustls errors, gRPC codes) and etcd's own error messages; those messages always
//! stay first and unchanged, so output matches etcdctl's where etcdctl prints the same error.

use std::error::Error as StdError;
use std::io;

use rustls::{AlertDescription, CertificateError};

use super::failure::walk;
use tonic::{Code, Status};

use super::Endpoint;

/// A hint for a connection to `endpoint` that failed with `err`; `tls` tells whether TLS was used.
pub(super) fn for_connection(
    err: &(dyn StdError + 'static),
    endpoint: Option<&Endpoint>,
    tls: Option<bool>,
) -> Option<String> {
    let mut found = None;
    walk(err, &mut |e| {
        if found.is_none() {
            found = hint_for(e, endpoint, tls);
        }
    });
    found
}

/// The hint for a dial that got no answer in time.
pub(super) fn for_silence(tls: bool) -> &'static str {
    if tls {
        "the member may be down, frozen or unreachable"
    } else {
        "the member may be down, frozen or unreachable (or it serves TLS: use https:// or --cacert)"
    }
}

/// A hint for an error status the member (or the transport) answered with; `None` for errors
/// that need none, such as `permission denied`, which etcdctl prints just the same.
pub(super) fn for_status(
    status: &Status,
    endpoint: Option<&Endpoint>,
    tls: Option<bool>,
) -> Option<String> {
    let message = status.message();
    if message.contains("user name is empty") {
        return Some(
            "the cluster has authentication enabled: pass --user=NAME[:PASSWORD] \
             (or set ETCDCTL_USER)"
                .into(),
        );
    }
    if message.contains("invalid user ID or password") {
        return Some("check the user name and password given with --user (and --password)".into());
    }
    if status.code() == Code::Unauthenticated {
        return Some(
            "the request needs valid credentials: pass --user=NAME[:PASSWORD], or check the \
             ones given"
                .into(),
        );
    }
    let source = StdError::source(status)?;
    // A request goes out only on a connection the member answered, so a close now is the
    // member stopping, never a refused certificate (that is [`for_first_read`]'s case).
    for_connection(source, endpoint, tls).or_else(|| {
        hung_up(source).then(|| "the member closed the connection: it may have stopped".into())
    })
}

/// A hint for a connection that failed before the member's first HTTP/2 bytes: during or
/// right after the TLS handshake, a hang-up is how a TLS 1.3 member that requires client
/// certificates refuses ours (its alert is often lost).
pub(super) fn for_first_read(err: &(dyn StdError + 'static), tls: bool) -> Option<String> {
    for_connection(err, None, Some(tls)).or_else(|| {
        hung_up(err).then(|| {
            if tls {
                format!(
                    "the member closed the connection during the TLS handshake: it may require \
                     client certificates ({CLIENT_CERT})"
                )
            } else {
                plain_hang_up()
            }
        })
    })
}

/// A plaintext connection hung up on before any answer: what a TLS member does with the
/// HTTP/2 preface, or something that is not etcd at all.
pub(super) fn plain_hang_up() -> String {
    format!("the member may serve TLS (use https:// or --cacert); {NOT_A_CLIENT_PORT}")
}

/// What a member that is not etcd's client port most likely is.
pub(super) const NOT_A_CLIENT_PORT: &str = "is this an etcd client URL? (2380 is the peer port)";

/// The bytes an endpoint answered with, up to its first line, for a message.
pub(super) fn head_text(head: &[u8]) -> String {
    let text = String::from_utf8_lossy(head);
    text.split(['\r', '\n'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Whether the transport failed because the member closed the connection.
fn hung_up(err: &(dyn StdError + 'static)) -> bool {
    let mut closed = false;
    walk(err, &mut |e| {
        let kind = e.downcast_ref::<io::Error>().map(io::Error::kind);
        closed |= matches!(
            kind,
            Some(io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset)
        ) || e.to_string() == "connection closed";
    });
    closed
}

impl super::Error {
    /// What the user may do about this error, shown apart from its message (which stays as
    /// etcdctl prints it). Failures of every endpoint carry their hints in their causes.
    pub fn hint(&self) -> Option<String> {
        match self {
            super::Error::Rpc(status) | super::Error::Authentication(status) => {
                for_status(status, None, None)
            }
            _ => None,
        }
    }
}

fn hint_for(
    e: &(dyn StdError + 'static),
    endpoint: Option<&Endpoint>,
    tls: Option<bool>,
) -> Option<String> {
    if let Some(io) = e.downcast_ref::<io::Error>() {
        return match io.kind() {
            io::ErrorKind::ConnectionRefused => Some(match endpoint {
                Some(endpoint) => format!(
                    "is etcd running at {}? check --endpoints",
                    endpoint.authority()
                ),
                None => "is etcd running there? check --endpoints".into(),
            }),
            io::ErrorKind::UnexpectedEof if tls == Some(true) => Some(not_tls()),
            _ => None,
        };
    }
    // Some layers keep only the text of a rustls alert (`received fatal alert: BadCertificate`).
    if let Some(alert) = e.to_string().strip_prefix("received fatal alert: ")
        && CLIENT_CERT_ALERTS.contains(&alert)
    {
        return Some(format!(
            "the member refused the client certificate: {CLIENT_CERT}"
        ));
    }
    let rustls = e.downcast_ref::<rustls::Error>()?;
    Some(match rustls {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::NotValidForNameContext { presented, .. } if presented.is_empty() => {
                "the member's certificate has no subject alternative names (as an X.509 v1 \
                 certificate has none), and the host is checked against those only: re-issue it \
                 with the endpoint's host in subjectAltName (or --insecure-skip-tls-verify, for \
                 testing only)"
                    .into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "the member's certificate does not name the endpoint's host: connect by a name \
                 or address it lists (or --insecure-skip-tls-verify, for testing only)"
                    .into()
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => {
                "the member's certificate is outside its validity period (check the clocks)".into()
            }
            _ => "the member's certificate is not signed by a CA ectl trusts: pass that CA with \
                  --cacert (or --insecure-skip-tls-verify, for testing only)"
                .into(),
        },
        rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::AccessDenied,
        ) => format!("the member refused the client certificate: {CLIENT_CERT}"),
        rustls::Error::InvalidMessage(_) => not_tls(),
        _ => return None,
    })
}

pub(super) const CLIENT_CERT: &str =
    "pass --cert and --key with a certificate signed by a CA it trusts";

/// rustls's names of the alerts a member sends about the client's certificate.
const CLIENT_CERT_ALERTS: &[&str] = &[
    "CertificateRequired",
    "BadCertificate",
    "UnknownCA",
    "CertificateUnknown",
    "UnsupportedCertificate",
    "CertificateRevoked",
    "CertificateExpired",
    "AccessDenied",
];

fn not_tls() -> String {
    "the member does not seem to serve TLS: use an http:// endpoint, or drop --cacert, --cert \
     and --key"
        .into()
}

/// `cause`, followed by what to do about it when there is a hint.
pub(super) fn with_hint(cause: String, hint: Option<String>) -> String {
    match hint {
        Some(hint) => format!("{cause}; {hint}"),
        None => cause,
    }
}

/// The distinct messages of an error and its sources, joined the way Go wraps errors.
pub(super) fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    // A TLS failure gets Go's words, not rustls' debug names, also where a wrapper repeats
    // its text.
    let mut tls = None;
    walk(err, &mut |e| {
        tls = tls.or_else(|| e.downcast_ref::<rustls::Error>())
    });
    let tls_words = tls.map(|tls| (tls.to_string(), crate::go::tls_error(tls)));
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        // Go words an errno without Rust's "(os error N)", and so do the wrappers that
        // repeat an I/O error's text.
        let mut text = crate::go::errno_words(&e.to_string());
        if let Some((raw, words)) = &tls_words {
            text = text.replace(raw.as_str(), words);
        }
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.retain(|p| p != "transport error");
    if parts.is_empty() {
        "transport error".into()
    } else {
        parts.join(": ")
    }
}

/// `text` (a message or hint about a connection) worded for `make-mirror`'s destination: its
/// client shares these hints, which name the global flags, while the destination is set with
/// the DESTINATION argument and the `--dest-*` flags (and has no `--insecure-skip-tls-verify`).
pub fn for_destination(text: &str) -> String {
    let text = text
        .replace(" (or --insecure-skip-tls-verify, for testing only)", "")
        .replace(" (or set ETCDCTL_USER)", "")
        .replace("check --endpoints", "check the DESTINATION argument");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("--") {
        out.push_str(&rest[..at]);
        let flag = &rest[at + 2..];
        let end = flag
            .find(|c: char| !(c.is_ascii_lowercase() || c == '-'))
            .unwrap_or(flag.len());
        if ["user", "password", "cacert", "cert", "key"].contains(&&flag[..end]) {
            out.push_str("--dest-");
        } else {
            out.push_str("--");
        }
        rest = flag;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_errors_point_to_user_and_server_refusals_get_no_hint() {
        let empty = Status::invalid_argument("etcdserver: user name is empty");
        assert!(
            for_status(&empty, None, None)
                .unwrap()
                .contains("--user=NAME")
        );
        let wrong = Status::invalid_argument(
            "etcdserver: authentication failed, invalid user ID or password",
        );
        assert!(
            for_status(&wrong, None, None)
                .unwrap()
                .contains("--password")
        );
        let denied = Status::permission_denied("etcdserver: permission denied");
        assert_eq!(for_status(&denied, None, None), None);
        assert_eq!(super::super::Error::Rpc(denied).hint(), None);
    }

    #[test]
    fn refused_connections_name_the_endpoint_and_tls_failures_the_flag() {
        let endpoint = Endpoint::parse("10.0.0.1:2379").unwrap();
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            for_connection(&refused, Some(&endpoint), Some(false)).as_deref(),
            Some("is etcd running at 10.0.0.1:2379? check --endpoints")
        );
        let unknown_ca = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        assert!(
            for_connection(&unknown_ca, Some(&endpoint), Some(true))
                .unwrap()
                .contains("--cacert")
        );
        let alert = io::Error::new(
            io::ErrorKind::InvalidData,
            "received fatal alert: CertificateRequired",
        );
        assert!(
            for_connection(&alert, None, None)
                .unwrap()
                .contains("--cert and --key")
        );
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert!(
            for_connection(&eof, None, Some(true))
                .unwrap()
                .contains("http://")
        );
        assert_eq!(for_connection(&eof, None, Some(false)), None);
    }

    #[test]
    fn destination_hints_name_the_destination_flags() {
        let endpoint = Endpoint::parse("10.0.0.1:2379").unwrap();
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let empty = Status::invalid_argument("etcdserver: user name is empty");
        let wrong = Status::invalid_argument("etcdserver: invalid user ID or password");
        let unknown_ca = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        );
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        let hints = [
            for_connection(&refused, Some(&endpoint), Some(false)),
            for_status(&empty, None, None),
            for_status(&wrong, None, None),
            for_connection(&unknown_ca, None, Some(true)),
            for_connection(&eof, None, Some(true)),
            Some(plain_hang_up()),
            Some(CLIENT_CERT.into()),
            Some(for_silence(false).into()),
        ];
        for hint in hints.into_iter().map(Option::unwrap) {
            let worded = for_destination(&hint);
            for source in [
                "--endpoints",
                "--user",
                "--password",
                "--cacert",
                "--cert ",
                "--key",
            ] {
                assert!(!worded.contains(source), "{source} in {worded:?}");
            }
            assert!(
                !worded.contains("ETCDCTL_") && !worded.contains("insecure"),
                "{worded}"
            );
        }
        assert_eq!(
            for_destination(&for_status(&empty, None, None).unwrap()),
            "the cluster has authentication enabled: pass --dest-user=NAME[:PASSWORD]"
        );
        assert_eq!(
            for_destination("is etcd running at 10.0.0.1:2379? check --endpoints"),
            "is etcd running at 10.0.0.1:2379? check the DESTINATION argument"
        );
        assert_eq!(for_destination("--dial-timeout"), "--dial-timeout");
    }
}
