//! Which API tree a process speaks: `ETCDCTL_API` picks v2 or v3 before anything is parsed, and
//! the chosen tree parses the command line. The only module that knows both trees; `main` asks
//! it once and follows the branch it returns.

use std::ffi::OsStr;

use crate::commands::tree::{self, Cli};
use crate::error::{ExitCode, Verbatim};

/// The command trees, one per etcd API; `ETCDCTL_API` picks one before anything is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `ETCDCTL_API=2`: etcdctl 3.4's v2 keys client (`src/v2/`), with its own urfave/cli
    /// parse step ([`crate::v2::parse`]), texts and exit codes.
    V2,
    V3,
}

impl Api {
    /// etcdctl reads `ETCDCTL_API` to pick the v2 or v3 client before it parses anything; only
    /// v3 exists here so far. Anything else is etcdctl's "unsupported API version" (exit 1, no
    /// `Error: `).
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_var(std::env::var_os("ETCDCTL_API").as_deref())
    }

    fn from_var(api: Option<&OsStr>) -> anyhow::Result<Self> {
        match api.map(OsStr::to_string_lossy).as_deref() {
            None | Some("") | Some("3") => Ok(Api::V3),
            Some("2") => Ok(Api::V2),
            Some(other) => Err(Verbatim {
                code: ExitCode::Error,
                message: format!("unsupported API version {other}"),
            }
            .into()),
        }
    }

    /// Parses the process's command line with this API's tree.
    pub fn parse(self) -> Result<Parsed, ParseError> {
        match self {
            Api::V3 => tree::parse().map(Parsed::V3).map_err(ParseError::V3),
            Api::V2 => {
                let args: Vec<String> = std::env::args_os()
                    .skip(1)
                    .map(|arg| arg.to_string_lossy().into_owned())
                    .collect();
                crate::v2::parse(&args, &|key| std::env::var(key).ok())
                    .map(Parsed::V2)
                    .map_err(ParseError::V2)
            }
        }
    }
}

/// A command line parsed by its API's tree. Built once per process, so the size difference
/// between the trees costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    V3(Cli),
    V2(crate::v2::Invocation),
}

/// Why a command line did not parse: clap's usage error (v3), or the v2 client's own screen
/// and exit code (its urfave/cli texts).
pub enum ParseError {
    V3(clap::Error),
    V2(crate::v2::Exit),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_as_etcdctl_reads_them() {
        assert_eq!(Api::from_var(None).unwrap(), Api::V3);
        assert_eq!(Api::from_var(Some(OsStr::new(""))).unwrap(), Api::V3);
        assert_eq!(Api::from_var(Some(OsStr::new("3"))).unwrap(), Api::V3);
        assert_eq!(Api::from_var(Some(OsStr::new("2"))).unwrap(), Api::V2);
        let err = Api::from_var(Some(OsStr::new("3.5"))).unwrap_err();
        let unprefixed = err.downcast_ref::<Verbatim>().expect("etcdctl's own words");
        assert_eq!(
            (unprefixed.code, unprefixed.message.as_str()),
            (ExitCode::Error, "unsupported API version 3.5")
        );
    }
}
