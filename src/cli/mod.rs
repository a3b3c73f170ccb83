//! Argument parsing machinery: the clap types for the global flags, the Go-exact value parsers
//! ([`values`]), and the rewrite of a derived command tree so it parses as etcdctl's
//! cobra/pflag does: [`etcdctl_tree`] for the top level, [`Etcdctl`] for each command when
//! clap builds it (only the command a line names is built). The commands themselves are
//! registered in [`crate::commands`]; nothing here knows them, and nothing past the registry
//! and [`crate::settings`] sees the clap types of the global flags.

mod help;
pub mod values;

use std::any::TypeId;
use std::ffi::{OsStr, OsString};

use clap::ArgAction;

pub use help::{Group, grouped};
use values::{GoDuration, Suggest, go_bool};

/// The etcdctl release whose behaviour ectl reproduces, in both API trees' `version` lines;
/// scripts parse them, so they name that release rather than ectl's own version (which
/// `ectl --version` prints).
pub const ETCDCTL_VERSION: &str = "3.4.23";

/// `cmd`, a derived command tree, rewritten to parse as etcdctl's cobra/pflag does, with `env`
/// the environment lookup:
/// - each name of `reserved` the tree lacks becomes a hidden command that takes anything, so
///   the caller can refuse it by name and abbreviations stay as ambiguous as in etcdctl;
/// - every command takes an unambiguous prefix of a subcommand's name (`ectl ge k`);
/// - a repeated flag overrides itself (`--limit=1 --limit=2` is 2, `--hex --hex=false` off);
/// - an `ETCDCTL_*` variable that is empty or that its flag would reject is ignored, as etcdctl
///   ignores it, instead of failing the command; so are the variables of the global args
///   `unread`;
/// - every flag takes its value as pflag does (see [`pflag_syntax`]).
///
/// Only the top level is touched here: each command is rewritten by [`Etcdctl`] when clap
/// builds it, and the settings above are global ones that clap hands down then.
pub fn etcdctl_tree(
    mut cmd: clap::Command,
    reserved: &[&'static str],
    env: &dyn Fn(&OsStr) -> Option<OsString>,
    unread: &[&'static str],
) -> clap::Command {
    for name in reserved {
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
    // The variables are probed with the flags rewritten: `ETCDCTL_HEX=false` as `--hex=false`.
    cmd = help::top_level_layout(
        cmd.infer_subcommands(true).args_override_self(true),
        pflag_syntax,
    );
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
    cmd
}

/// The first word of `argv` (after the program's name) that is neither a flag of `top` nor a
/// flag's value: the command, as typed (perhaps a prefix of its name). `None` without one, or
/// at `--`: then the line can only be help or a usage error.
pub fn command_word<'a>(top: &clap::Command, argv: &'a [OsString]) -> Option<&'a OsStr> {
    find_command_word(top, argv).0
}

/// etcdctl's answer to a flag `top` lacks before the command, when it is not "unknown flag":
/// cobra finds the command before it parses any flag, and takes the word after an unknown
/// `--name` or `-x` as that flag's value, so `etcdctl --bogus get foo` looks for a command
/// `foo` and says `unknown command "foo"`. `top` is the whole tree; the error is the one clap
/// gives for that word alone, which names it.
pub fn unknown_command_after_unknown_flag(
    top: &clap::Command,
    argv: &[OsString],
) -> Option<clap::Error> {
    let (Some(word), true) = find_command_word(top, argv) else {
        return None;
    };
    let program = argv.first()?;
    match top.clone().try_get_matches_from([program, word]) {
        Err(e) if e.kind() == clap::error::ErrorKind::InvalidSubcommand => Some(e),
        // The word names a command: etcdctl parses its flags and says "unknown flag", as clap does.
        _ => None,
    }
}

/// [`command_word`], and whether a flag `top` lacks came before it. The rules are cobra's
/// (`stripFlags`): a `--name` or `-x` without `=`, known or not, takes the next word as its
/// value unless it is a known bool (whose value must follow `=`), and only when another word
/// follows that one (`etcdctl --bogus get` finds no command); other unknown flags (`-xy`,
/// `--bogus=1`) are skipped.
fn find_command_word<'a>(top: &clap::Command, argv: &'a [OsString]) -> (Option<&'a OsStr>, bool) {
    // `top` is not rewritten yet, so its bools still say they take no value.
    let takes_next =
        |arg: &clap::Arg| arg.get_action().takes_values() && !arg.is_require_equals_set();
    let mut unknown = false;
    let mut words = argv.iter().skip(1);
    while let Some(word) = words.next() {
        let bytes = word.as_encoded_bytes();
        if bytes == b"--" {
            return (None, unknown);
        }
        let wants_value = if let Some(long) = bytes.strip_prefix(b"--") {
            let name = long.split(|&b| b == b'=').next().unwrap_or_default();
            let arg = top
                .get_arguments()
                .find(|arg| arg.get_long().is_some_and(|l| l.as_bytes() == name));
            unknown |= arg.is_none();
            !long.contains(&b'=') && arg.is_none_or(takes_next)
        } else if let Some(shorts) = bytes.strip_prefix(b"-").filter(|s| !s.is_empty()) {
            // `-w json`, `-wjson`: the first short flag that takes a value takes the rest.
            let mut wants = false;
            for (i, &c) in shorts.iter().enumerate() {
                let Some(arg) = top.get_arguments().find(|arg| {
                    arg.get_short()
                        .is_some_and(|s| u32::from(s) == u32::from(c))
                }) else {
                    unknown = true;
                    wants = shorts.len() == 1;
                    break;
                };
                if arg.get_action().takes_values() {
                    wants = i + 1 == shorts.len() && takes_next(arg);
                    break;
                }
            }
            wants
        } else {
            return (Some(word), unknown);
        };
        if wants_value && words.next().is_some() && words.len() == 0 {
            // cobra takes no value from the last word: it stops looking instead.
            return (None, unknown);
        }
    }
    (None, unknown)
}

/// Every value the command line gave the global flag `--long` (`None` if it gave none), in
/// order, wherever the flag stood: before the command, after it, or after a subcommand. pflag
/// appends each occurrence of a slice flag to the last (`etcdctl --endpoints=a get
/// --endpoints=b,c k` reads `[a b c]`), where clap keeps the values given at the deepest
/// command alone. `cmd` and `matches` are the parsed tree and its answer: the words are walked
/// with the flags of the command they follow, into the subcommands `matches` names, up to `--`.
pub fn global_values_in_order(
    cmd: &clap::Command,
    matches: &clap::ArgMatches,
    argv: &[OsString],
    long: &str,
) -> Option<Vec<String>> {
    let takes_next =
        |arg: &clap::Arg| arg.get_action().takes_values() && !arg.is_require_equals_set();
    let (mut cmd, mut matches) = (cmd, matches);
    let mut values: Option<Vec<String>> = None;
    let mut words = argv.iter().skip(1);
    while let Some(word) = words.next() {
        let bytes = word.as_encoded_bytes();
        if bytes == b"--" {
            break;
        }
        if let Some(flag) = bytes.strip_prefix(b"--") {
            let mut parts = flag.splitn(2, |&b| b == b'=');
            let name = parts.next().unwrap_or_default();
            let attached = parts.next();
            let Some(arg) = cmd
                .get_arguments()
                .find(|arg| arg.get_long().is_some_and(|l| l.as_bytes() == name))
            else {
                continue;
            };
            let value = match attached {
                Some(value) => Some(value),
                None if takes_next(arg) => words.next().map(|w| w.as_encoded_bytes()),
                None => None,
            };
            if name == long.as_bytes()
                && let Some(value) = value
            {
                let value = String::from_utf8_lossy(value);
                values
                    .get_or_insert_default()
                    .extend(value.split(',').map(str::to_string));
            }
        } else if let Some(shorts) = bytes.strip_prefix(b"-").filter(|s| !s.is_empty()) {
            // `-w json`: a short flag that takes a value and ends the word takes the next one.
            for (i, &c) in shorts.iter().enumerate() {
                let arg = cmd.get_arguments().find(|arg| {
                    arg.get_short()
                        .is_some_and(|s| u32::from(s) == u32::from(c))
                });
                if let Some(arg) = arg.filter(|arg| arg.get_action().takes_values()) {
                    if i + 1 == shorts.len() && takes_next(arg) {
                        words.next();
                    }
                    break;
                }
            }
        } else if let Some((name, sub)) = matches.subcommand()
            && let Some(next) = cmd.find_subcommand(name)
        {
            // A command with subcommands takes no argument of its own: this word names the
            // subcommand (perhaps abbreviated).
            (cmd, matches) = (next, sub);
        }
    }
    values
}

/// A command's arguments `A`, parsed as etcdctl parses them. The registry wraps every command
/// in it and defers building them (`#[command(defer)]`), so a command line builds the global
/// flags and the one command it names, not the ~100 commands of the tree; the command's own
/// rewrite ([`help::command_layout`] with [`pflag_syntax`]) runs when clap builds it.
#[derive(Debug)]
pub struct Etcdctl<A>(pub A);

impl<A: clap::Args> clap::Args for Etcdctl<A> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        help::command_layout(A::augment_args(cmd), pflag_syntax)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        help::command_layout(A::augment_args_for_update(cmd), pflag_syntax)
    }

    fn group_id() -> Option<clap::Id> {
        A::group_id()
    }
}

impl<A: clap::FromArgMatches> clap::FromArgMatches for Etcdctl<A> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        A::from_arg_matches(matches).map(Etcdctl)
    }

    fn from_arg_matches_mut(matches: &mut clap::ArgMatches) -> Result<Self, clap::Error> {
        A::from_arg_matches_mut(matches).map(Etcdctl)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }

    fn update_from_arg_matches_mut(
        &mut self,
        matches: &mut clap::ArgMatches,
    ) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

/// A flag as a derived field declares it, made to take its value as Go's pflag does, so the
/// fields need not say so one by one:
/// - a `bool` flag (or an `Option<bool>` one, unset unless given) is on alone, and takes a
///   value only after `=`, read by Go's `ParseBool` (`--hex`, `--hex=false`, `--hex=0`;
///   `--hex false` is `--hex` and an argument `false`);
/// - a flag that takes a value takes the next word whatever it looks like (`--limit -1`,
///   `--prefix --x`).
///
/// Positional arguments are left as declared.
fn pflag_syntax(arg: clap::Arg) -> clap::Arg {
    // A bool with `require_equals` is rewritten already: the global flags reach each command
    // from the top level (clap copies them in before it builds the command), and a new value
    // parser per flag and command would cost start-up time for nothing.
    if arg.is_positional() || arg.is_require_equals_set() {
        return arg;
    }
    if arg.get_value_parser().type_id() == TypeId::of::<bool>() {
        return arg
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_parser(go_bool);
    }
    match arg.get_action() {
        ArgAction::Set | ArgAction::Append => arg.allow_hyphen_values(true),
        _ => arg,
    }
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

#[derive(Debug, clap::Args)]
#[command(next_help_heading = help::GLOBAL_HEADING)]
pub struct GlobalArgs {
    /// ectl only: the named context (config.toml) to fill in settings no flag or variable gives
    #[arg(long, global = true, env = "ECTL_CONTEXT")]
    pub context: Option<String>,

    /// ectl only: read an etcd db file instead of a server (a stopped member's data dir, its
    /// member/snap/db, or a snapshot file); for get, du, export, history and diff
    #[arg(long, global = true, env = "ECTL_DB", value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
    pub db: Option<std::path::PathBuf>,

    /// The ids of the arguments a flag or an `ETCDCTL_*` variable set: a context never
    /// overrides them.
    #[arg(skip)]
    pub explicit: Vec<String>,

    /// gRPC endpoints
    #[arg(
        long,
        global = true,
        env = "ETCDCTL_ENDPOINTS",
        value_delimiter = ',',
        default_value = "127.0.0.1:2379",
        action = ArgAction::Append,
    )]
    pub endpoints: Vec<String>,

    /// enable client-side debug logging
    #[arg(long, global = true, env = "ETCDCTL_DEBUG")]
    pub debug: bool,

    /// print each request to stderr as a curl command line for etcd's JSON gateway
    #[arg(long, global = true, env = "ECTL_PRINT_CURL")]
    pub print_curl: bool,

    /// set the output format (fields, json, protobuf, simple, table)
    #[arg(
        short = 'w',
        long,
        global = true,
        env = "ETCDCTL_WRITE_OUT",
        default_value = "simple",
        value_parser = Suggest(&["fields", "json", "protobuf", "simple", "table"]),
    )]
    pub write_out: String,

    /// print byte strings as hex encoded strings
    #[arg(long, global = true, env = "ETCDCTL_HEX")]
    pub hex: bool,

    /// dial timeout for client connections
    #[arg(long, global = true, env = "ETCDCTL_DIAL_TIMEOUT", default_value = "2s")]
    pub dial_timeout: GoDuration,

    /// timeout for short running command (excluding dial timeout)
    #[arg(long, global = true, env = "ETCDCTL_COMMAND_TIMEOUT", default_value = "5s")]
    pub command_timeout: GoDuration,

    /// keepalive time for client connections
    #[arg(long, global = true, env = "ETCDCTL_KEEPALIVE_TIME", default_value = "2s")]
    pub keepalive_time: GoDuration,

    /// keepalive timeout for client connections
    #[arg(long, global = true, env = "ETCDCTL_KEEPALIVE_TIMEOUT", default_value = "6s")]
    pub keepalive_timeout: GoDuration,

    /// disable transport security for client connections
    #[arg(long, global = true, env = "ETCDCTL_INSECURE_TRANSPORT", default_value = "true")]
    pub insecure_transport: bool,

    /// accept insecure SRV records describing cluster endpoints
    #[arg(long, global = true, env = "ETCDCTL_INSECURE_DISCOVERY", default_value = "true")]
    pub insecure_discovery: bool,

    /// skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)
    #[arg(long, global = true, env = "ETCDCTL_INSECURE_SKIP_TLS_VERIFY")]
    pub insecure_skip_tls_verify: bool,

    /// identify secure client using this TLS certificate file
    #[arg(long, global = true, env = "ETCDCTL_CERT", value_hint = clap::ValueHint::FilePath)]
    pub cert: Option<String>,

    /// identify secure client using this TLS key file
    #[arg(long, global = true, env = "ETCDCTL_KEY", value_hint = clap::ValueHint::FilePath)]
    pub key: Option<String>,

    /// verify certificates of TLS-enabled secure servers using this CA bundle
    #[arg(long, global = true, env = "ETCDCTL_CACERT", value_hint = clap::ValueHint::FilePath)]
    pub cacert: Option<String>,

    /// username[:password] for authentication (prompt if password is not supplied)
    #[arg(long, global = true, env = "ETCDCTL_USER")]
    pub user: Option<String>,

    /// password for authentication (if this option is used, --user option shouldn't include password)
    #[arg(long, global = true, env = "ETCDCTL_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,

    /// JWT token used for authentication (if this option is used, --user and --password should not be set)
    #[arg(long, global = true, env = "ETCDCTL_AUTH_JWT_TOKEN", hide_env_values = true)]
    pub auth_jwt_token: Option<String>,

    /// domain name to query for SRV records describing cluster endpoints
    #[arg(short = 'd', long, global = true, env = "ETCDCTL_DISCOVERY_SRV")]
    pub discovery_srv: Option<String>,

    /// service name to query when using DNS discovery
    #[arg(long, global = true, env = "ETCDCTL_DISCOVERY_SRV_NAME")]
    pub discovery_srv_name: Option<String>,

    /// client-side request send limit in bytes (0, the default, means 2097152 bytes: 2 MiB)
    #[arg(long, global = true, env = "ETCDCTL_MAX_REQUEST_BYTES", default_value_t = 0)]
    pub max_request_bytes: usize,

    /// client-side response receive limit in bytes (0, the default, means 2147483647 bytes: 2 GiB)
    #[arg(long, global = true, env = "ETCDCTL_MAX_RECV_BYTES", default_value_t = 0)]
    pub max_recv_bytes: usize,
}

#[cfg(test)]
mod tests {
    use crate::commands::tree::parse_from;

    fn parse(args: &[&str]) -> Result<crate::commands::tree::Cli, clap::Error> {
        parse_from(std::iter::once("ectl").chain(args.iter().copied()), &|_| {
            None
        })
    }

    #[test]
    fn endpoints_given_at_every_level_are_appended_as_pflag_does() {
        let cli = parse(&[
            "--endpoints=a",
            "member",
            "--endpoints",
            "b,c",
            "list",
            "--endpoints=d",
        ])
        .unwrap();
        assert_eq!(cli.global.endpoints, ["a", "b", "c", "d"]);
        let cli = parse(&["-w", "json", "get", "--endpoints=x", "k", "--endpoints=y"]).unwrap();
        assert_eq!(cli.global.endpoints, ["x", "y"]);
        // After `--`, words are arguments.
        let cli = parse(&["--endpoints=a", "get", "--", "--endpoints=b"]).unwrap();
        assert_eq!(cli.global.endpoints, ["a"]);
        let cli = parse(&["get", "k"]).unwrap();
        assert_eq!(cli.global.endpoints, ["127.0.0.1:2379"]);
    }

    #[test]
    fn an_unknown_flag_before_the_command_takes_the_next_word_as_cobra_does() {
        let unknown_command = |args: &[&str], word: &str| {
            let e = parse(args).unwrap_err();
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::InvalidSubcommand,
                "{args:?}"
            );
            assert!(
                e.to_string().contains(&format!("'{word}'")),
                "{args:?}: {e}"
            );
        };
        unknown_command(&["--bogus", "get", "foo"], "foo");
        unknown_command(&["-x", "get", "foo"], "foo");
        unknown_command(&["--bogus", "put", "k", "v"], "k");
        unknown_command(&["--bogus", "-w", "json", "get", "foo"], "json");
        let unknown_flag = |args: &[&str]| {
            let e = parse(args).unwrap_err();
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::UnknownArgument,
                "{args:?}"
            );
        };
        // A value after `=`, a cluster, too few words, or a command found after all.
        unknown_flag(&["--bogus=1", "get", "foo"]);
        unknown_flag(&["-xy", "get", "foo"]);
        unknown_flag(&["--bogus", "get"]);
        unknown_flag(&["--bogus", "foo", "get"]);
        unknown_flag(&["--bogus", "get", "ver"]);
        unknown_flag(&["get", "--bogus", "foo"]);
    }
}
