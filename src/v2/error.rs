//! v2 errors: the client core's typed failures, their Go texts, and etcdctl v2's exit codes
//! (ctlv2/command/error.go), which differ from the v3 ones.

use std::fmt;

/// etcdctl v2's exit codes.
pub const EXIT_BAD_ARGS: u8 = 1;
pub const EXIT_BAD_CONNECTION: u8 = 2;
pub const EXIT_SERVER_ERROR: u8 = 4;
pub const EXIT_CLUSTER_NOT_HEALTHY: u8 = 5;

/// How a v2 command ends when it does not succeed: bytes for stdout (usage screens), the stderr
/// text (printed with a newline unless empty: some texts were printed already) and the exit
/// code. `main` prints it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

impl Exit {
    pub fn new(code: u8, stderr: impl Into<String>) -> Exit {
        Exit {
            code,
            stdout: String::new(),
            stderr: stderr.into(),
        }
    }

    /// urfave's usage error: the usage screen on stdout, Go's flag error on stderr, exit 1.
    pub fn usage(stdout: String, err: String) -> Exit {
        Exit {
            code: 1,
            stdout,
            stderr: err,
        }
    }

    /// etcdctl's `handleError`: `Error:  <err>` (Go's Println puts a space after `Error:`),
    /// then a cluster error's per-endpoint detail. (Its JSON branch for `-o json` never fires:
    /// it looks for a pointer where the client returns a value, so etcd errors stay text.)
    pub fn handle(code: u8, err: &Error) -> Exit {
        let mut text = format!("Error:  {err}");
        if let Error::Cluster(errors) = err {
            text.push('\n');
            text.push_str(&detail(errors));
        }
        Exit::new(code, text)
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stderr)
    }
}

impl std::error::Error for Exit {}

/// An error as etcd's v2 API reports it in a JSON body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct EtcdError {
    #[serde(rename = "errorCode", default)]
    pub code: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub index: u64,
}

/// What the v2 client core can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// One endpoint failed; `connection` says whether etcdctl counts it as a connection error
    /// (refused, dial or read failure, timeout), which decides exit code 2 during sync.
    #[error("{message}")]
    Endpoint { message: String, connection: bool },
    /// Every endpoint failed.
    #[error("client: etcd cluster is unavailable or misconfigured{}", summary(.0))]
    Cluster(Vec<Error>),
    /// `--total-timeout` ran out.
    #[error("context deadline exceeded")]
    Deadline,
    #[error("client: no endpoints available")]
    NoEndpoints,
    #[error("{}: {} ({}) [{}]", .0.code, .0.message, .0.cause, .0.index)]
    Etcd(EtcdError),
    /// Any other failure, in the words etcdctl uses for it.
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn other(message: impl Into<String>) -> Error {
        Error::Other(message.into())
    }

    /// etcdctl's `isConnectionError`.
    pub fn is_connection(&self) -> bool {
        match self {
            Error::Endpoint { connection, .. } => *connection,
            Error::Cluster(errors) => errors.iter().all(Error::is_connection),
            Error::Deadline => true,
            _ => false,
        }
    }
}

/// The client's `ClusterError.Error()` tail: each failure after `; `.
fn summary(errors: &[Error]) -> String {
    numbered(errors, "; ")
}

/// The client's `ClusterError.Detail()`.
fn detail(errors: &[Error]) -> String {
    numbered(errors, "")
}

fn numbered(errors: &[Error], lead: &str) -> String {
    errors
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{lead}error #{i}: {e}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_error_text_and_detail() {
        let refused = |port: u16| Error::Endpoint {
            message: format!("dial tcp 127.0.0.1:{port}: connect: connection refused"),
            connection: true,
        };
        let err = Error::Cluster(vec![refused(2), refused(1)]);
        assert!(err.is_connection());
        assert_eq!(
            Exit::handle(2, &err).stderr,
            "Error:  client: etcd cluster is unavailable or misconfigured; error #0: dial tcp 127.0.0.1:2: connect: connection refused\n\
             ; error #1: dial tcp 127.0.0.1:1: connect: connection refused\n\n\
             error #0: dial tcp 127.0.0.1:2: connect: connection refused\n\
             error #1: dial tcp 127.0.0.1:1: connect: connection refused\n"
        );
    }

    #[test]
    fn etcd_errors_as_go_formats_them() {
        let e = Error::Etcd(EtcdError {
            code: 100,
            message: "Key not found".into(),
            cause: "/k".into(),
            index: 3,
        });
        assert_eq!(
            Exit::handle(4, &e).stderr,
            "Error:  100: Key not found (/k) [3]"
        );
    }
}
