//! Argument parsing: the clap types for the global flags and the command tree, and their
//! resolution (flags, then `ETCDCTL_*` environment, then defaults) into plain [`Settings`].
//! Nothing past this module sees clap types for the global flags.

pub mod values;

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Parser, Subcommand};

use crate::client::{self, Credentials, TlsOptions};
use crate::commands;
use crate::error::CliError;
use crate::output::Format;
use values::{go_bool, go_duration};

#[derive(Debug, Parser)]
#[command(
    name = "ectl",
    version,
    about = "A fast, faithful etcd v3 command-line client (drop-in for etcdctl)",
    infer_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands; each one's help is its `Args` struct's doc comment.
#[derive(Debug, Subcommand)]
pub enum Command {
    Get(commands::kv::get::GetArgs),
    Put(commands::kv::put::PutArgs),
    Del(commands::kv::del::DelArgs),
    Txn(commands::kv::txn::TxnArgs),
    Compaction(commands::kv::compact::CompactArgs),
    Version(commands::version::VersionArgs),
}

#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// gRPC endpoints
    #[arg(long, global = true, value_delimiter = ',',
          default_value = "127.0.0.1:2379", action = ArgAction::Append)]
    pub endpoints: Vec<String>,

    /// enable client-side debug logging
    #[arg(long, global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = go_bool)]
    pub debug: bool,

    /// set the output format (fields, json, protobuf, simple, table)
    #[arg(
        short = 'w',
        long,
        global = true,
        default_value = "simple"
    )]
    pub write_out: String,

    /// print byte strings as hex encoded strings
    #[arg(long, global = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = go_bool)]
    pub hex: bool,

    /// dial timeout for client connections
    #[arg(long, global = true, default_value = "2s",
          value_parser = go_duration)]
    pub dial_timeout: Duration,

    /// timeout for short running command (excluding dial timeout)
    #[arg(long, global = true, default_value = "5s",
          value_parser = go_duration)]
    pub command_timeout: Duration,

    /// keepalive time for client connections
    #[arg(long, global = true, default_value = "2s",
          value_parser = go_duration)]
    pub keepalive_time: Duration,

    /// keepalive timeout for client connections
    #[arg(long, global = true, default_value = "6s",
          value_parser = go_duration)]
    pub keepalive_timeout: Duration,

    /// disable transport security for client connections
    #[arg(long, global = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", default_value = "true",
          value_parser = go_bool)]
    pub insecure_transport: bool,

    /// accept insecure SRV records describing cluster endpoints
    #[arg(long, global = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", default_value = "true",
          value_parser = go_bool)]
    pub insecure_discovery: bool,

    /// skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)
    #[arg(long, global = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", default_value = "false",
          value_parser = go_bool)]
    pub insecure_skip_tls_verify: bool,

    /// identify secure client using this TLS certificate file
    #[arg(long, global = true, env = "ETCDCTL_CERT")]
    pub cert: Option<String>,

    /// identify secure client using this TLS key file
    #[arg(long, global = true, env = "ETCDCTL_KEY")]
    pub key: Option<String>,

    /// verify certificates of TLS-enabled secure servers using this CA bundle
    #[arg(long, global = true, env = "ETCDCTL_CACERT")]
    pub cacert: Option<String>,

    /// username[:password] for authentication (prompt if password is not supplied)
    #[arg(long, global = true, env = "ETCDCTL_USER")]
    pub user: Option<String>,

    /// password for authentication (if this option is used, --user option shouldn't include password)
    #[arg(long, global = true)]
    pub password: Option<String>,

    /// domain name to query for SRV records describing cluster endpoints
    #[arg(short = 'd', long, global = true, env = "ETCDCTL_DISCOVERY_SRV")]
    pub discovery_srv: Option<String>,

    /// service name to query when using DNS discovery
    #[arg(long, global = true, env = "ETCDCTL_DISCOVERY_SRV_NAME")]
    pub discovery_srv_name: Option<String>,

    /// client-side request send limit in bytes (if 0, it defaults to 2.0 MiB (2 * 1024 * 1024).)
    #[arg(
        long,
        global = true,
        default_value_t = 0
    )]
    pub max_request_bytes: usize,

    /// client-side response receive limit in bytes (if 0, it defaults to "math.MaxInt32")
    #[arg(
        long,
        global = true,
        default_value_t = 0
    )]
    pub max_recv_bytes: usize,
}

/// The global settings every command runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub client: client::Config,
    pub format: Format,
    pub hex: bool,
    pub debug: bool,
}

impl GlobalArgs {
    /// Resolves flags into settings; may prompt for a password (the only I/O done here).
    pub fn settings(&self) -> Result<Settings, CliError> {
        check_api_version()?;
        let format = self.write_out.parse::<Format>()?;
        for (flag, value) in [
            ("--cert", &self.cert),
            ("--key", &self.key),
            ("--cacert", &self.cacert),
        ] {
            if value.as_deref() == Some("") {
                return Err(CliError::bad_args(format!(
                    "empty string is passed to {flag} option"
                )));
            }
        }
        if self.discovery_srv.as_deref().is_some_and(|d| !d.is_empty()) {
            return Err(CliError::bad_feature(
                "--discovery-srv is not supported by ectl yet: list the members in --endpoints",
            ));
        }
        let tls_flags_given = self.cert.is_some() || self.key.is_some() || self.cacert.is_some();
        let tls = (tls_flags_given || !self.insecure_transport).then(|| TlsOptions {
            ca_file: self.cacert.as_ref().map(PathBuf::from),
            cert_file: self.cert.as_ref().map(PathBuf::from),
            key_file: self.key.as_ref().map(PathBuf::from),
            skip_verify: self.insecure_skip_tls_verify,
            server_name: None,
        });
        let client = client::Config {
            endpoints: self
                .endpoints
                .iter()
                .filter(|e| !e.trim().is_empty())
                .cloned()
                .collect(),
            dial_timeout: self.dial_timeout,
            command_timeout: self.command_timeout,
            keepalive_time: self.keepalive_time,
            keepalive_timeout: self.keepalive_timeout,
            tls,
            credentials: self.credentials()?,
            max_request_bytes: nonzero_or(
                self.max_request_bytes,
                client::DEFAULT_MAX_REQUEST_BYTES,
            ),
            max_recv_bytes: nonzero_or(self.max_recv_bytes, client::DEFAULT_MAX_RECV_BYTES),
        };
        Ok(Settings {
            client,
            format,
            hex: self.hex,
            debug: self.debug,
        })
    }

    /// `--user name:password`, `--user name --password p`, or `--user name` and a prompt.
    /// An empty password means no authentication at all, as in etcdctl: requests then go out
    /// unauthenticated and the server says why it refuses them.
    fn credentials(&self) -> Result<Option<Credentials>, CliError> {
        let Some(user) = self.user.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let (user, password) = match self.password.as_deref().filter(|p| !p.is_empty()) {
            Some(password) => (user, password.to_string()),
            None => match user.split_once(':') {
                Some((name, password)) => (name, password.to_string()),
                None => (user, read_password("Password: ")?),
            },
        };
        Ok((!password.is_empty()).then(|| Credentials {
            user: user.to_string(),
            password,
        }))
    }
}

/// Asks on the terminal without echo; without a terminal, takes the first line of stdin so
/// scripts can pipe a password in.
pub fn read_password(prompt: &str) -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map_err(|e| CliError::error(format!("reading password: {e}")));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::error(format!("reading password from stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn nonzero_or(value: usize, default: usize) -> usize {
    if value == 0 { default } else { value }
}

/// etcdctl reads `ETCDCTL_API` to pick the v2 or v3 client; only v3 exists here.
fn check_api_version() -> Result<(), CliError> {
    match std::env::var("ETCDCTL_API").ok().as_deref() {
        None | Some("") | Some("3") => Ok(()),
        Some("2") => Err(CliError::bad_feature(
            "v2 API is not supported yet (unset ETCDCTL_API or set ETCDCTL_API=3)",
        )),
        Some(other) => Err(CliError::bad_args(format!(
            "unsupported API version {other:?} in ETCDCTL_API (only 3 is supported)"
        ))),
    }
}
