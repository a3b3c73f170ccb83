//! Argument parsing: the clap types for the global flags and the command tree, and their
//! resolution (flags, then `ETCDCTL_*` environment, then defaults) into plain [`Settings`].
//! Nothing past this module sees clap types for the global flags.

mod help;
pub mod values;

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::client::{self, Credentials, TlsOptions};
use crate::commands;
use crate::error::{CliError, ExitCode, Unprefixed};
use crate::output::Format;
use values::{Suggest, go_bool, go_duration};

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
    Auth(commands::auth::AuthArgs),
    User(commands::auth::user::UserArgs),
    Role(commands::auth::role::RoleArgs),
    Completion(commands::completion::CompletionArgs),
    Watch(commands::watch::WatchArgs),
    Lease(commands::lease::LeaseArgs),
    Lock(commands::lock::LockArgs),
    Elect(commands::elect::ElectArgs),
    Member(commands::member::MemberArgs),
    Endpoint(commands::endpoint::EndpointArgs),
    Alarm(commands::alarm::AlarmArgs),
    Defrag(commands::defrag::DefragArgs),
    MoveLeader(commands::move_leader::MoveLeaderArgs),
    Snapshot(commands::snapshot::SnapshotArgs),
    Downgrade(commands::downgrade::DowngradeArgs),
    // ectl-only commands; etcdctl has none of these names.
    Doctor(commands::doctor::DoctorArgs),
    Du(commands::du::DuArgs),
    Diff(commands::diff::DiffArgs),
}

impl Command {
    /// The command's own argument errors, found without I/O (`put` does not read its value).
    /// etcdctl reports them before anything about the global flags, so `main` checks them
    /// before resolving the settings: `put -w bogus` is "needs 1 argument" (exit 128), and
    /// `--user root get` fails without asking for a password.
    pub fn check_args(&self) -> Result<(), CliError> {
        use commands::kv::{compact, del, get, put};
        match self {
            Command::Get(args) => get::plan(args).map(drop),
            Command::Put(args) => put::plan(args, || Ok(b"value".to_vec())).map(drop),
            Command::Del(args) => del::plan(args).map(drop),
            Command::Compaction(args) => compact::plan(args).map(drop),
            _ => Ok(()),
        }
    }
}

/// etcdctl 3.4's top-level commands (cobra adds `help` and `completion`). The ones ectl does not
/// have yet are reserved as hidden commands that refuse to run, so an abbreviation resolves as
/// in etcdctl: `co` is ambiguous there (`compaction`, `completion`), never a compaction here.
const ETCDCTL_COMMANDS: &[&str] = &[
    "alarm",
    "auth",
    "check",
    "compaction",
    "completion",
    "defrag",
    "del",
    "elect",
    "endpoint",
    "get",
    "help",
    "lease",
    "lock",
    "make-mirror",
    "member",
    "migrate",
    "move-leader",
    "put",
    "role",
    "snapshot",
    "txn",
    "user",
    "version",
    "watch",
];

/// The command tree as ectl parses it, with `env` the environment lookup (the process's in
/// [`parse`]). On top of the derived definitions, as etcdctl's cobra/pflag parse:
/// - every command takes an unambiguous prefix of a subcommand's name (`ectl ge k`);
/// - a repeated flag overrides itself (`--limit=1 --limit=2` is 2, `--hex --hex=false` off);
/// - an `ETCDCTL_*` variable that is empty or that its flag would reject is ignored, as etcdctl
///   ignores it, instead of failing the command.
///
/// Completions and man pages should be generated from this, not from `Cli::command()`.
pub fn command_with_env(env: &dyn Fn(&OsStr) -> Option<OsString>) -> clap::Command {
    command_ignoring(env, &[])
}

/// [`command_with_env`], with the variables of the global args `unread` ignored too.
fn command_ignoring(
    env: &dyn Fn(&OsStr) -> Option<OsString>,
    unread: &[&'static str],
) -> clap::Command {
    let mut cmd = Cli::command();
    for name in ETCDCTL_COMMANDS {
        if *name != "help" && cmd.find_subcommand(name).is_none() {
            cmd = cmd.subcommand(
                clap::Command::new(*name)
                    .hide(true)
                    .disable_help_flag(true)
                    .arg(
                        clap::Arg::new("args")
                            .num_args(0..)
                            .allow_hyphen_values(true)
                            .trailing_var_arg(true),
                    ),
            );
        }
    }
    let ignored: Vec<clap::Id> = cmd
        .get_arguments()
        .filter(|arg| {
            arg.get_env()
                .is_some_and(|name| env(name).is_some_and(|value| !env_value_is_valid(arg, &value)))
        })
        .map(|arg| arg.get_id().clone())
        .chain(unread.iter().map(|id| clap::Id::from(*id)))
        .collect();
    for id in ignored {
        cmd = cmd.mut_arg(id, |arg| arg.env(None));
    }
    help::grouped(etcdctl_parsing(cmd))
}

/// [`command_with_env`] with the process environment.
pub fn command() -> clap::Command {
    command_with_env(&|name| std::env::var_os(name))
}

fn etcdctl_parsing(cmd: clap::Command) -> clap::Command {
    cmd.infer_subcommands(true)
        .args_override_self(true)
        .mut_subcommands(etcdctl_parsing)
}

/// Whether `value` would pass as `--flag=value` for this flag; empty never does (etcdctl skips
/// empty variables).
fn env_value_is_valid(arg: &clap::Arg, value: &OsStr) -> bool {
    let Some(long) = arg.get_long() else {
        return false;
    };
    if value.is_empty() {
        return false;
    }
    let mut flag = OsString::from(format!("--{long}="));
    flag.push(value);
    let probe = arg.clone().env(None).global(false).required(false);
    clap::Command::new("probe")
        .no_binary_name(true)
        .arg(probe)
        .try_get_matches_from([flag])
        .is_ok()
}

/// Variables etcdctl applies only after the command has used the flag: `get`, `put` and `del`
/// take their deadline before reading the environment, so `ETCDCTL_COMMAND_TIMEOUT` never
/// reaches them (`compaction` does read it).
const ENV_READ_TOO_LATE: &[(&str, &str)] = &[
    ("get", "command_timeout"),
    ("put", "command_timeout"),
    ("del", "command_timeout"),
];

/// Parses the command line as etcdctl would (see [`command`]).
pub fn parse() -> Result<Cli, clap::Error> {
    parse_from(std::env::args_os(), &|name| std::env::var_os(name))
}

/// [`parse`] for a given command line and environment.
pub fn parse_from(
    argv: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    env: &dyn Fn(&OsStr) -> Option<OsString>,
) -> Result<Cli, clap::Error> {
    let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    let mut cmd = command_with_env(env);
    let mut matches = cmd.try_get_matches_from_mut(&argv)?;
    let unread: Vec<&'static str> = ENV_READ_TOO_LATE
        .iter()
        .filter(|(command, id)| {
            matches.subcommand_name() == Some(command)
                && matches.value_source(id) == Some(clap::parser::ValueSource::EnvVariable)
        })
        .map(|(_, id)| *id)
        .collect();
    if !unread.is_empty() {
        cmd = command_ignoring(env, &unread);
        matches = cmd.try_get_matches_from_mut(&argv)?;
    }
    if let Some(name) = matches.subcommand_name()
        && !<Command as Subcommand>::has_subcommand(name)
    {
        return Err(cmd.error(
            clap::error::ErrorKind::InvalidSubcommand,
            format!("`{name}` is an etcdctl command that ectl does not implement yet"),
        ));
    }
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// gRPC endpoints
    #[arg(long, global = true, env = "ETCDCTL_ENDPOINTS", value_delimiter = ',',
          default_value = "127.0.0.1:2379", action = ArgAction::Append, allow_hyphen_values = true)]
    pub endpoints: Vec<String>,

    /// enable client-side debug logging
    #[arg(long, global = true, env = "ETCDCTL_DEBUG", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = go_bool)]
    pub debug: bool,

    /// print each request to stderr as a curl command line for etcd's JSON gateway
    #[arg(long, global = true, env = "ETCDCTL_PRINT_CURL", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = go_bool)]
    pub print_curl: bool,

    /// set the output format (fields, json, protobuf, simple, table)
    #[arg(
        short = 'w',
        long,
        global = true,
        env = "ETCDCTL_WRITE_OUT",
        default_value = "simple",
        allow_hyphen_values = true,
        value_parser = Suggest(&["fields", "json", "protobuf", "simple", "table"])
    )]
    pub write_out: String,

    /// print byte strings as hex encoded strings
    #[arg(long, global = true, env = "ETCDCTL_HEX", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", default_value = "false", value_parser = go_bool)]
    pub hex: bool,

    /// dial timeout for client connections
    #[arg(long, global = true, env = "ETCDCTL_DIAL_TIMEOUT", default_value = "2s",
          value_parser = go_duration, allow_hyphen_values = true)]
    pub dial_timeout: Duration,

    /// timeout for short running command (excluding dial timeout)
    #[arg(long, global = true, env = "ETCDCTL_COMMAND_TIMEOUT", default_value = "5s",
          value_parser = go_duration, allow_hyphen_values = true)]
    pub command_timeout: Duration,

    /// keepalive time for client connections
    #[arg(long, global = true, env = "ETCDCTL_KEEPALIVE_TIME", default_value = "2s",
          value_parser = go_duration, allow_hyphen_values = true)]
    pub keepalive_time: Duration,

    /// keepalive timeout for client connections
    #[arg(long, global = true, env = "ETCDCTL_KEEPALIVE_TIMEOUT", default_value = "6s",
          value_parser = go_duration, allow_hyphen_values = true)]
    pub keepalive_timeout: Duration,

    /// disable transport security for client connections
    #[arg(long, global = true, env = "ETCDCTL_INSECURE_TRANSPORT", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", default_value = "true",
          value_parser = go_bool)]
    pub insecure_transport: bool,

    /// accept insecure SRV records describing cluster endpoints
    #[arg(long, global = true, env = "ETCDCTL_INSECURE_DISCOVERY", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", default_value = "true",
          value_parser = go_bool)]
    pub insecure_discovery: bool,

    /// skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)
    #[arg(long, global = true, env = "ETCDCTL_INSECURE_SKIP_TLS_VERIFY", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", default_value = "false",
          value_parser = go_bool)]
    pub insecure_skip_tls_verify: bool,

    /// identify secure client using this TLS certificate file
    #[arg(long, global = true, env = "ETCDCTL_CERT", allow_hyphen_values = true)]
    pub cert: Option<String>,

    /// identify secure client using this TLS key file
    #[arg(long, global = true, env = "ETCDCTL_KEY", allow_hyphen_values = true)]
    pub key: Option<String>,

    /// verify certificates of TLS-enabled secure servers using this CA bundle
    #[arg(
        long,
        global = true,
        env = "ETCDCTL_CACERT",
        allow_hyphen_values = true
    )]
    pub cacert: Option<String>,

    /// username[:password] for authentication (prompt if password is not supplied)
    #[arg(long, global = true, env = "ETCDCTL_USER", allow_hyphen_values = true)]
    pub user: Option<String>,

    /// password for authentication (if this option is used, --user option shouldn't include password)
    #[arg(
        long,
        global = true,
        env = "ETCDCTL_PASSWORD",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub password: Option<String>,

    /// domain name to query for SRV records describing cluster endpoints
    #[arg(
        short = 'd',
        long,
        global = true,
        env = "ETCDCTL_DISCOVERY_SRV",
        allow_hyphen_values = true
    )]
    pub discovery_srv: Option<String>,

    /// service name to query when using DNS discovery
    #[arg(
        long,
        global = true,
        env = "ETCDCTL_DISCOVERY_SRV_NAME",
        allow_hyphen_values = true
    )]
    pub discovery_srv_name: Option<String>,

    /// client-side request send limit in bytes (if 0, it defaults to 2.0 MiB (2 * 1024 * 1024).)
    #[arg(
        long,
        global = true,
        env = "ETCDCTL_MAX_REQUEST_BYTES",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    pub max_request_bytes: usize,

    /// client-side response receive limit in bytes (if 0, it defaults to "math.MaxInt32")
    #[arg(
        long,
        global = true,
        env = "ETCDCTL_MAX_RECV_BYTES",
        default_value_t = 0,
        allow_hyphen_values = true
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
    pub print_curl: bool,
    /// The `--user` whose password must be asked for before connecting (see
    /// `Context::client_config`).
    pub password_wanted_for: Option<String>,
}

impl GlobalArgs {
    /// Resolves flags into settings, without I/O: a `--user` whose password was not given is
    /// recorded in [`Settings::password_wanted_for`], to be asked for when a client is built.
    pub fn settings(&self) -> Result<Settings, CliError> {
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
        let endpoints: Vec<String> = self
            .endpoints
            .iter()
            .filter(|e| !e.trim().is_empty())
            .cloned()
            .collect();
        if endpoints.is_empty() {
            // `--endpoints=`: clientv3's refusal, a connection error (exit 2) in etcdctl.
            return Err(CliError::new(
                ExitCode::BadConnection,
                "etcdclient: no available endpoints",
            ));
        }
        let client = client::Config {
            endpoints,
            // etcdctl (clientv3) sets no dial limit for 0 (or a negative value, which parses
            // as 0); the command deadline still bounds every dial.
            dial_timeout: if self.dial_timeout.is_zero() {
                NO_DIAL_LIMIT
            } else {
                self.dial_timeout
            },
            command_timeout: self.command_timeout,
            keepalive_time: self.keepalive_time,
            keepalive_timeout: self.keepalive_timeout,
            tls,
            credentials: self.credentials(),
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
            print_curl: self.print_curl,
            password_wanted_for: self.password_wanted_for(),
        })
    }

    /// `--user name:password` or `--user name --password p`. An empty password means no
    /// authentication at all, as in etcdctl: requests then go out unauthenticated and the
    /// server says why it refuses them.
    fn credentials(&self) -> Option<Credentials> {
        let user = self.user.as_deref().filter(|u| !u.is_empty())?;
        let (user, password) = match self.password.as_deref().filter(|p| !p.is_empty()) {
            Some(password) => (user, password),
            None => user.split_once(':')?,
        };
        (!password.is_empty()).then(|| Credentials {
            user: user.to_string(),
            password: password.to_string(),
        })
    }

    /// `--user name` alone: etcdctl asks for the password when it connects.
    fn password_wanted_for(&self) -> Option<String> {
        let user = self.user.as_deref().filter(|u| !u.is_empty())?;
        let no_password = self.password.as_deref().is_none_or(str::is_empty);
        (no_password && !user.contains(':')).then(|| user.to_string())
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

/// etcdctl's password prompt (speakeasy's `Ask`): the prompt goes to stdout even when stdout or
/// stdin is not a terminal, the answer is read without echo, and a newline ends the prompt line,
/// so `echo pw | ectl --user root get k` prints `Password: ` and a newline before the result, as
/// etcdctl does.
pub fn ask_password(prompt: &str) -> Result<String, CliError> {
    let mut stdout = std::io::stdout();
    // A closed stdout must not stop the question from being answered.
    let _ = write!(stdout, "{prompt}").and_then(|()| stdout.flush());
    let answer = if std::io::stdin().is_terminal() {
        // The terminal echoes the newline itself (rpassword keeps ECHONL on).
        return rpassword::read_password()
            .map_err(|e| CliError::error(format!("reading password: {e}")));
    } else {
        read_password("")
    };
    let _ = writeln!(stdout).and_then(|()| stdout.flush());
    answer
}

/// `--dial-timeout=0`: far beyond any command deadline, small enough to add to an `Instant`.
const NO_DIAL_LIMIT: Duration = Duration::from_secs(365 * 24 * 3600);

fn nonzero_or(value: usize, default: usize) -> usize {
    if value == 0 { default } else { value }
}

/// etcdctl reads `ETCDCTL_API` to pick the v2 or v3 client before it parses anything; only v3
/// exists here. Anything else is etcdctl's "unsupported API version" (exit 1, no `Error: `).
pub fn check_api_version() -> anyhow::Result<()> {
    api_version_check(std::env::var_os("ETCDCTL_API").as_deref())
}

fn api_version_check(api: Option<&OsStr>) -> anyhow::Result<()> {
    match api.map(OsStr::to_string_lossy).as_deref() {
        None | Some("") | Some("3") => Ok(()),
        Some("2") => Err(CliError::bad_feature(
            "v2 API is not supported yet (unset ETCDCTL_API or set ETCDCTL_API=3)",
        )
        .into()),
        Some(other) => Err(Unprefixed {
            code: ExitCode::Error,
            message: format!("unsupported API version {other}"),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::error::ErrorKind;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        parse_from(std::iter::once("ectl").chain(args.iter().copied()), &|_| {
            None
        })
    }

    #[test]
    fn abbreviations_resolve_as_etcdctls_prefix_matching() {
        assert!(matches!(
            parse(&["ge", "k"]).unwrap().command,
            Command::Get(_)
        ));
        assert!(matches!(
            parse(&["compact", "5"]).unwrap().command,
            Command::Compaction(_)
        ));
        assert!(matches!(
            parse(&["v"]).unwrap().command,
            Command::Version(_)
        ));
        // Ambiguous among etcdctl's commands, whether or not ectl has them all.
        for ambiguous in ["c", "co", "comp", "d", "de", "e", "m"] {
            let err = parse(&[ambiguous, "x"]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidSubcommand, "{ambiguous}");
        }
    }

    #[test]
    fn etcdctl_commands_ectl_lacks_are_refused_by_name() {
        let missing = ETCDCTL_COMMANDS
            .iter()
            .find(|name| **name != "help" && !<Command as Subcommand>::has_subcommand(name));
        if let Some(name) = missing {
            let err = parse(&[name, "--any", "thing"]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidSubcommand);
            assert!(err.to_string().contains("does not implement"), "{err}");
        }
        assert_eq!(
            parse(&["bogus"]).unwrap_err().kind(),
            ErrorKind::InvalidSubcommand
        );
    }

    #[test]
    fn repeated_flags_override_themselves() {
        let cli = parse(&[
            "-w",
            "json",
            "-w",
            "fields",
            "--hex",
            "--hex=false",
            "get",
            "k",
        ])
        .unwrap();
        assert_eq!(
            (cli.global.write_out.as_str(), cli.global.hex),
            ("fields", false)
        );
        let Command::Get(get) = parse(&[
            "get",
            "k",
            "--limit=1",
            "--limit",
            "2",
            "--prefix",
            "--prefix",
        ])
        .unwrap()
        .command
        else {
            panic!("not get");
        };
        assert_eq!((get.limit, get.prefix), (2, true));
    }

    #[test]
    fn values_may_start_with_a_dash() {
        let cli = parse(&[
            "--dial-timeout",
            "-1s",
            "get",
            "k",
            "--limit",
            "-1",
            "--rev",
            "-2",
        ])
        .unwrap();
        assert_eq!(cli.global.dial_timeout, Duration::ZERO);
        let Command::Get(get) = cli.command else {
            panic!("not get");
        };
        assert_eq!((get.limit, get.rev), (-1, -2));
        let Command::Put(put) = parse(&["put", "k", "v", "--lease", "--prev-kv"])
            .unwrap()
            .command
        else {
            panic!("not put");
        };
        assert_eq!((put.lease.as_str(), put.prev_kv), ("--prev-kv", false));
    }

    #[test]
    fn empty_or_invalid_variables_are_ignored() {
        let env = |name: &OsStr| -> Option<OsString> {
            let value = match name.to_str()? {
                "ETCDCTL_HEX" => "yes",
                "ETCDCTL_DIAL_TIMEOUT" => "",
                "ETCDCTL_KEEPALIVE_TIME" => "2",
                "ETCDCTL_COMMAND_TIMEOUT" => "1m30s",
                "ETCDCTL_DEBUG" => "true",
                "ETCDCTL_WRITE_OUT" => "bogus",
                _ => return None,
            };
            Some(value.into())
        };
        let cmd = command_with_env(&env);
        let reads_env = |id: &str| {
            cmd.get_arguments()
                .find(|a| a.get_id() == id)
                .unwrap_or_else(|| panic!("no {id}"))
                .get_env()
                .is_some()
        };
        for ignored in ["hex", "dial_timeout", "keepalive_time"] {
            assert!(!reads_env(ignored), "{ignored}");
        }
        // Valid values stay, even a format etcdctl itself reports as unsupported later.
        for kept in ["command_timeout", "debug", "write_out", "endpoints"] {
            assert!(reads_env(kept), "{kept}");
        }
    }

    #[test]
    fn api_versions_as_etcdctl_reads_them() {
        assert!(api_version_check(None).is_ok());
        assert!(api_version_check(Some(OsStr::new(""))).is_ok());
        assert!(api_version_check(Some(OsStr::new("3"))).is_ok());
        let err = api_version_check(Some(OsStr::new("2"))).unwrap_err();
        assert_eq!(crate::error::classify(&err), ExitCode::BadFeature);
        let err = api_version_check(Some(OsStr::new("3.5"))).unwrap_err();
        let unprefixed = err
            .downcast_ref::<Unprefixed>()
            .expect("etcdctl's own words");
        assert_eq!(
            (unprefixed.code, unprefixed.message.as_str()),
            (ExitCode::Error, "unsupported API version 3.5")
        );
    }

    #[test]
    fn argument_errors_come_before_settings_errors() {
        let cli = parse(&["-w", "bogus", "put"]).unwrap();
        assert!(cli.global.settings().is_err());
        assert_eq!(
            cli.command.check_args().unwrap_err().code,
            ExitCode::BadArgs
        );
        assert!(
            parse(&["put", "k", "v"])
                .unwrap()
                .command
                .check_args()
                .is_ok()
        );
        assert!(parse(&["get"]).unwrap().command.check_args().is_err());
        assert!(
            parse(&["del", "a", "b", "c"])
                .unwrap()
                .command
                .check_args()
                .is_err()
        );
        assert!(
            parse(&["compaction", "x"])
                .unwrap()
                .command
                .check_args()
                .is_err()
        );
    }
}
