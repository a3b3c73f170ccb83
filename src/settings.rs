//! The global settings every command runs with: the global flags, already merged with their
//! `ETCDCTL_*` variables by the parser, resolved into plain structs without I/O.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::client::{self, Credentials, TlsOptions};
use crate::discovery;
use crate::error::{CliError, ExitCode};
use crate::output::Format;

/// The global settings every command runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub client: client::Config,
    pub format: Format,
    pub hex: bool,
    pub debug: bool,
    pub print_curl: bool,
    /// The `--user` whose password must be asked for before connecting (see
    /// `Workbench::client_config`).
    pub password_wanted_for: Option<String>,
    /// `--auth-jwt-token`: sent with every request instead of a user's credentials.
    pub token: Option<String>,
    /// Lines for stderr before the command runs (discovery's ignored endpoints), printed by
    /// the edge since the library never prints.
    pub notices: Vec<String>,
    /// `--db`: reads are answered from this etcd backend file, offline.
    pub db: Option<PathBuf>,
    /// The `ETCDCTL_*` variables (name, value) etcdctl would warn of as unrecognized when it
    /// builds its client (see [`unrecognized_vars`]); warned of by whoever builds the client.
    pub unrecognized_vars: Vec<(String, String)>,
}

impl Settings {
    /// Resolves flags into settings, with no I/O but DNS discovery (`-d`): a `--user` whose
    /// password was not given is recorded in [`Settings::password_wanted_for`], to be asked for
    /// when a client is built.
    pub fn resolve(args: &GlobalArgs) -> Result<Settings, CliError> {
        // etcdctl resolves endpoints first; SRV records win over --endpoints unless none are
        // found.
        let domain = args.discovery_srv.as_deref().filter(|d| !d.is_empty());
        let discovered = match domain {
            Some(domain) => discovery::lookup(
                domain,
                args.discovery_srv_name.as_deref().unwrap_or(""),
                args.insecure_discovery,
            )
            .map_err(CliError::error)?,
            None => discovery::Discovered::default(),
        };
        let server_name = discovery::tls_server_name(domain, args.insecure_discovery);
        let format = args.write_out.parse::<Format>()?;
        for (flag, value) in [
            ("--cert", &args.cert),
            ("--key", &args.key),
            ("--cacert", &args.cacert),
        ] {
            if value.as_deref() == Some("") {
                return Err(CliError::bad_args(format!(
                    "empty string is passed to {flag} option"
                )));
            }
        }
        let tls_flags_given = args.cert.is_some()
            || args.key.is_some()
            || args.cacert.is_some()
            || server_name.is_some();
        let tls = (tls_flags_given || !args.insecure_transport).then(|| TlsOptions {
            skip_verify: args.insecure_skip_tls_verify,
            server_name,
            ..tls_files(
                args.cacert.as_deref(),
                args.cert.as_deref(),
                args.key.as_deref(),
            )
        });
        let endpoints: Vec<String> = (if discovered.endpoints.is_empty() {
            &args.endpoints
        } else {
            &discovered.endpoints
        })
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
            dial_timeout: if args.dial_timeout.0.is_zero() {
                NO_DIAL_LIMIT
            } else {
                args.dial_timeout.0
            },
            command_timeout: args.command_timeout.0,
            keepalive_time: args.keepalive_time.0,
            keepalive_timeout: args.keepalive_timeout.0,
            tls,
            credentials: credentials(args),
            max_request_bytes: nonzero_or(
                args.max_request_bytes,
                client::DEFAULT_MAX_REQUEST_BYTES,
            ),
            max_recv_bytes: nonzero_or(args.max_recv_bytes, client::DEFAULT_MAX_RECV_BYTES),
        };
        Ok(Settings {
            client,
            format,
            hex: args.hex,
            debug: args.debug,
            print_curl: args.print_curl,
            password_wanted_for: password_wanted_for(args),
            token: token(args)?,
            notices: discovered.notices(),
            db: args.db.clone().filter(|path| !path.as_os_str().is_empty()),
            unrecognized_vars: unrecognized_vars(std::env::vars_os()),
        })
    }
}

/// `--user name:password` or `--user name --password p`. An empty password means no
/// authentication at all, as in etcdctl: requests then go out unauthenticated and the
/// server says why it refuses them.
fn credentials(args: &GlobalArgs) -> Option<Credentials> {
    let user = args.user.as_deref().filter(|u| !u.is_empty())?;
    let (user, password) = match args.password.as_deref().filter(|p| !p.is_empty()) {
        Some(password) => (user, password),
        None => {
            let (user, password) = split_user(user);
            (user, password?)
        }
    };
    (!password.is_empty()).then(|| Credentials {
        user: user.to_string(),
        password: password.to_string(),
    })
}

/// etcdctl 3.7's `--auth-jwt-token`: a token sent as it is, instead of one obtained with a
/// user's password. etcdctl 3.7 silently drops `--user` when both are given; ectl refuses the
/// pair, as clientv3 itself refuses a config holding both.
fn token(args: &GlobalArgs) -> Result<Option<String>, CliError> {
    let Some(token) = args.auth_jwt_token.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let given = |flag: &Option<String>| flag.as_deref().is_some_and(|v| !v.is_empty());
    if given(&args.user) || given(&args.password) {
        return Err(CliError::bad_args(
            "--auth-jwt-token cannot be used with --user or --password: \
             Username/Password and Token configurations are mutually exclusive",
        ));
    }
    Ok(Some(token.to_string()))
}

/// `--user name` alone: etcdctl asks for the password when it connects.
fn password_wanted_for(args: &GlobalArgs) -> Option<String> {
    let user = args.user.as_deref().filter(|u| !u.is_empty())?;
    let no_password = args.password.as_deref().is_none_or(str::is_empty);
    (no_password && split_user(user).1.is_none()).then(|| user.to_string())
}

/// ectl's own variables are named `ECTL_*`, apart from the `ETCDCTL_*` twins of etcdctl's
/// flags. Two were first named `ETCDCTL_*`; those names still work while the new one is unset.
pub const RENAMED_VARS: [(&str, &str); 2] = [
    ("ECTL_CONFIRM", "ETCDCTL_CONFIRM"),
    ("ECTL_PRINT_CURL", "ETCDCTL_PRINT_CURL"),
];

/// The `ETCDCTL_*` variables of `vars` that etcdctl 3.4's pflag reader calls unrecognized: those
/// no global flag reads (the old names of ectl's own variables are read), and those set empty,
/// which it does not take. `ETCDCTL_API` is etcdctl's switch, read and unset before.
pub fn unrecognized_vars(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(String, String)> {
    let mut read_by_flags: Option<Vec<String>> = None;
    vars.into_iter()
        .filter(|(name, _)| {
            name.as_encoded_bytes().starts_with(b"ETCDCTL_") && name != "ETCDCTL_API"
        })
        .filter_map(|(name, value)| {
            let name = name.to_string_lossy().into_owned();
            let read_by_flags = read_by_flags.get_or_insert_with(global_flag_vars);
            let read =
                read_by_flags.contains(&name) || RENAMED_VARS.iter().any(|(_, old)| *old == name);
            (value.is_empty() || !read).then(|| (name, value.to_string_lossy().into_owned()))
        })
        .collect()
}

/// The variables of the global flags, from their definitions.
fn global_flag_vars() -> Vec<String> {
    use clap::Args;
    GlobalArgs::augment_args(clap::Command::new("globals"))
        .get_arguments()
        .filter_map(|arg| arg.get_env())
        .map(|name| name.to_string_lossy().into_owned())
        .collect()
}

/// The value of ectl's own variable `name` (`ECTL_*`), else of its former name; empty counts as
/// unset, as for etcdctl's variables. `env` is the process's environment outside tests.
pub fn ectl_var(name: &str, env: &dyn Fn(&OsStr) -> Option<OsString>) -> Option<OsString> {
    let set = |name: &str| env(OsStr::new(name)).filter(|v| !v.is_empty());
    set(name).or_else(|| {
        let (_, old) = RENAMED_VARS.iter().find(|(new, _)| *new == name)?;
        set(old)
    })
}

/// `name[:password]`, as v3's `--user` and v2's `--username` and `user add` take it: the name,
/// and the password after the first colon when there is one.
pub fn split_user(flag: &str) -> (&str, Option<&str>) {
    match flag.split_once(':') {
        Some((user, password)) => (user, Some(password)),
        None => (flag, None),
    }
}

/// The TLS files of the CA, certificate and key flags (v3's `--cacert`/`--cert`/`--key`, v2's
/// `--ca-file`/`--cert-file`/`--key-file`), with nothing else set.
pub fn tls_files(ca: Option<&str>, cert: Option<&str>, key: Option<&str>) -> TlsOptions {
    TlsOptions {
        ca_file: ca.map(PathBuf::from),
        cert_file: cert.map(PathBuf::from),
        key_file: key.map(PathBuf::from),
        ..TlsOptions::default()
    }
}

/// etcdctl v2's checks of its TLS files, made while it builds its transport before any
/// request: a key with its certificate, then each file opened (the key pair first, then the
/// CA), then the files read. The error is the message etcdctl prints.
pub fn check_tls_files(tls: &TlsOptions) -> Result<(), String> {
    if tls.cert_file.is_some() != tls.key_file.is_some() {
        let shown = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        return Err(format!(
            "KeyFile and CertFile must both be present[key: {}, cert: {}]",
            shown(&tls.key_file),
            shown(&tls.cert_file)
        ));
    }
    if *tls == TlsOptions::default() {
        return Ok(());
    }
    for path in [&tls.cert_file, &tls.key_file, &tls.ca_file]
        .into_iter()
        .flatten()
    {
        if let Err(e) = std::fs::metadata(path).and_then(|_| std::fs::File::open(path)) {
            return Err(format!(
                "open {}: {}",
                path.display(),
                crate::go::errno_text(&e)
            ));
        }
    }
    client::tls::client_config(tls).map_err(|e| e.to_string())?;
    Ok(())
}

/// `--dial-timeout=0`: far beyond any command deadline, small enough to add to an `Instant`.
const NO_DIAL_LIMIT: Duration = Duration::from_secs(365 * 24 * 3600);

fn nonzero_or(value: usize, default: usize) -> usize {
    if value == 0 { default } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ectl_variables_fall_back_to_their_former_names() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &OsStr| {
                vars.iter()
                    .find(|(n, _)| OsStr::new(n) == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        let old = env(&[("ETCDCTL_CONFIRM", "1")]);
        assert_eq!(ectl_var("ECTL_CONFIRM", &old), Some("1".into()));
        let both = env(&[("ETCDCTL_CONFIRM", "1"), ("ECTL_CONFIRM", "0")]);
        assert_eq!(ectl_var("ECTL_CONFIRM", &both), Some("0".into()));
        let empty_new = env(&[("ETCDCTL_PRINT_CURL", "true"), ("ECTL_PRINT_CURL", "")]);
        assert_eq!(ectl_var("ECTL_PRINT_CURL", &empty_new), Some("true".into()));
        // A variable that never had another name has no fallback.
        let other = env(&[("ETCDCTL_CONTEXT", "x")]);
        assert_eq!(ectl_var("ECTL_CONTEXT", &other), None);
    }

    #[test]
    fn unrecognized_variables_are_those_no_flag_reads_or_set_empty() {
        let vars = [
            ("ETCDCTL_FOO", "bar"),
            ("ETCDCTL_HEX", "true"),
            ("ETCDCTL_HEX", ""),
            ("ETCDCTL_API", "3"),
            ("ETCDCTL_CONFIRM", "1"),
            ("ETCDCTL_MAX_RECV_BYTES", "10"),
            ("ECTL_DB", "x"),
            ("PATH", "/bin"),
        ]
        .map(|(name, value)| (OsString::from(name), OsString::from(value)));
        assert_eq!(
            unrecognized_vars(vars),
            [("ETCDCTL_FOO", "bar"), ("ETCDCTL_HEX", "")]
                .map(|(name, value)| (name.to_string(), value.to_string()))
        );
    }
}
