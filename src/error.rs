//! The one place that turns an error chain into etcdctl's exit code and message.
//!
//! Commands raise [`CliError`] when they know the exit code themselves (bad arguments, invalid
//! input, unsupported output format); everything else is classified here by what its chain holds.

use std::fmt;

use crate::client;

/// etcdctl's exit codes (see etcdctl/ctlv3/command/error.go); the numbers are part of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    Error = 1,
    BadConnection = 2,
    InvalidInput = 3,
    BadFeature = 4,
    Interrupted = 5,
    Io = 6,
    BadArgs = 128,
}

impl ExitCode {
    /// Every exit status, success's 0 included, and what it means, as the man pages' EXIT
    /// STATUS lists them.
    pub const MEANINGS: [(u8, &'static str); 8] = [
        (0, "success (also when stdout is a closed pipe)"),
        (ExitCode::Error as u8, "the request failed"),
        (
            ExitCode::BadConnection as u8,
            "no connection: every endpoint failed, or the credentials were refused",
        ),
        (
            ExitCode::InvalidInput as u8,
            "invalid input (txn's stdin grammar, a dump import cannot read, check on a prefix \
             that has keys)",
        ),
        (
            ExitCode::BadFeature as u8,
            "a valid flag with a value this command does not support (e.g. -w table)",
        ),
        (
            ExitCode::Interrupted as u8,
            "interrupted, a snapshot save failed, or the server canceled a watch",
        ),
        (
            ExitCode::Io as u8,
            "an I/O error (a file that cannot be opened, read or written)",
        ),
        (ExitCode::BadArgs as u8, "bad arguments or usage"),
    ];
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

/// An error whose exit code the raiser decided.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub code: ExitCode,
    pub message: String,
    /// What to do about it, when the error summarises failures that had a hint of their own
    /// (`endpoint health`'s `unhealthy cluster`).
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(code: ExitCode, message: impl fmt::Display) -> Self {
        Self {
            code,
            message: message.to_string(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Wrong number or shape of positional arguments, or conflicting flags.
    pub fn bad_args(message: impl fmt::Display) -> Self {
        Self::new(ExitCode::BadArgs, message)
    }

    /// Malformed command input such as txn's stdin grammar.
    pub fn invalid_input(message: impl fmt::Display) -> Self {
        Self::new(ExitCode::InvalidInput, message)
    }

    /// A valid flag with a value this command cannot honour (e.g. `-w table` for put).
    pub fn bad_feature(message: impl fmt::Display) -> Self {
        Self::new(ExitCode::BadFeature, message)
    }

    pub fn error(message: impl fmt::Display) -> Self {
        Self::new(ExitCode::Error, message)
    }
}

/// A failure etcdctl reports in its own words, without its `Error: ` prefix (watch's failed
/// exec-command); `main` prints the message as it is, and nothing for an empty one (etcdctl's
/// bare `os.Exit` after it has said what failed).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Verbatim {
    pub code: ExitCode,
    pub message: String,
}

/// A command ectl ran for the user (`lock <name> <command>`) failed: ectl prints `message` as
/// an error and exits with the command's own status, as etcdctl 3.5 does.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CommandFailed {
    pub status: u8,
    pub message: String,
}

/// The exit code for an error chain: the first link that knows its code decides.
pub fn classify(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return e.code;
        }
        if let Some(e) = cause.downcast_ref::<Verbatim>() {
            return e.code;
        }
        if let Some(e) = cause.downcast_ref::<client::Error>() {
            return match e {
                client::Error::AllEndpointsFailed(_) | client::Error::Authentication(_) => {
                    ExitCode::BadConnection
                }
                client::Error::Config(_) => ExitCode::BadArgs,
                _ => ExitCode::Error,
            };
        }
        if cause.downcast_ref::<std::io::Error>().is_some() {
            return ExitCode::Io;
        }
    }
    ExitCode::Error
}

/// The text after `Error: `: the whole context chain, outermost first, as ripgrep prints it,
/// then what the client knows beyond it (the attempts before a timeout, the flag behind a size
/// limit) on the lines after, so the first line stays the one etcdctl prints.
pub fn render(err: &anyhow::Error) -> String {
    let mut text = format!("{err:#}");
    let details = err
        .chain()
        .find_map(|cause| cause.downcast_ref::<client::Error>())
        .and_then(client::Error::details);
    if let Some(details) = details {
        text.push('\n');
        text.push_str(&details);
    }
    text
}

/// What the user may do about the error, when the chain knows; printed on its own line so the
/// error line itself stays as etcdctl prints it.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return e.hint.clone();
        }
        cause
            .downcast_ref::<client::Error>()
            .and_then(client::Error::hint)
    })
}

/// True when the chain ends in a closed stdout pipe, which is a quiet success for a CLI.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_error_code_wins_through_context() {
        let err = anyhow::Error::from(CliError::invalid_input("bad txn")).context("reading input");
        assert_eq!(classify(&err), ExitCode::InvalidInput);
        assert_eq!(render(&err), "reading input: bad txn");
    }

    #[test]
    fn io_errors_are_exit_6_and_broken_pipe_is_detected() {
        let err = anyhow::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(classify(&err), ExitCode::Io);
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
    }

    #[test]
    fn a_timeout_reads_as_etcdctls_then_lists_the_attempts() {
        let err = anyhow::Error::from(client::Error::Timeout(vec![client::EndpointFailure {
            endpoint: "127.0.0.1:2379".into(),
            cause: "no answer within 2s (--dial-timeout)".into(),
            transient: true,
        }]));
        let text = render(&err);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("context deadline exceeded"));
        assert!(
            text.contains("\n  127.0.0.1:2379: no answer within 2s"),
            "{text}"
        );
        assert_eq!(classify(&err), ExitCode::Error);
    }

    #[test]
    fn size_errors_keep_grpcs_line_and_name_the_flag() {
        let err = anyhow::Error::from(client::Error::TooLarge {
            direction: client::Direction::Request,
            size: 8388618,
            limit: 2097152,
        });
        let text = render(&err);
        assert!(
            text.starts_with(
                "rpc error: code = ResourceExhausted desc = trying to send message larger than \
                 max (8388618 vs. 2097152)\n"
            ),
            "{text}"
        );
        assert!(text.contains("--max-request-bytes"), "{text}");
        assert_eq!(classify(&err), ExitCode::Error);
    }

    #[test]
    fn unknown_errors_are_exit_1() {
        assert_eq!(classify(&anyhow::anyhow!("boom")), ExitCode::Error);
    }
}
