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
}

impl CliError {
    pub fn new(code: ExitCode, message: impl fmt::Display) -> Self {
        Self {
            code,
            message: message.to_string(),
        }
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
/// exec-command); `main` prints the message as it is.
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

/// The text after `Error: `: the whole context chain, outermost first, as ripgrep prints it.
pub fn render(err: &anyhow::Error) -> String {
    format!("{err:#}")
}

/// What the user may do about the error, when the chain knows; printed on its own line so the
/// error line itself stays as etcdctl prints it.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<client::Error>())
        .and_then(client::Error::hint)
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
    fn unknown_errors_are_exit_1() {
        assert_eq!(classify(&anyhow::anyhow!("boom")), ExitCode::Error);
    }
}
