//! Differential testing: run one command with the reference etcdctl and with ectl, each against
//! its own etcd member holding the same history, and compare what an operator or a script sees.
//!
//! Two fresh single members get the same setup (applied with etcdctl, so a setup bug is never an
//! ectl bug); revisions, versions and lease IDs therefore match, and only the cluster and member
//! IDs in response headers differ (they hash the member's URLs). Those two numbers are blanked in
//! `json`, `fields` and `protobuf` output; every other byte of stdout must be equal, and so must
//! the exit code. After each case both keyspaces are dumped (`get "" --from-key -w json`) and
//! compared too, so a write that printed the right thing but stored the wrong one still fails.
//!
//! Stderr: when etcdctl printed no `Error: ` line (it also logs JSON warnings there), ectl's is
//! empty or the very same text; otherwise the `Error: ` lines are equal unless a case says the
//! message differs on purpose. Documented differences (see README "Deliberate differences"):
//! - usage errors (unknown flag or command, bad flag value): ectl exits 128 with clap's message
//!   and prints nothing on stdout; etcdctl exits 1 and prints its usage on stdout. The two
//!   messages are worded differently but must say the same thing: the same kind of error about
//!   the same flag, value, parse error or command ([`Case::usage_error`], [`UsageError`]);
//! - help: each tool's own layout, but ectl's lists every flag etcdctl's lists, with the same
//!   default, and every command ([`Case::help`]);
//! - a format that cannot print the response (`put -w table`): ectl refuses before sending,
//!   etcdctl writes first ([`Case::state_differs`]);
//! - every endpoint down: ectl exits 2 at once naming each endpoint, etcdctl waits for the
//!   command timeout and exits 1; a flag and its `ETCDCTL_*` twin both set: the flag wins in
//!   ectl, etcdctl refuses ([`Case::documented`]).

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::time::Duration;

use crate::support::{self, Cmd, Etcd, Options, Out};

/// One etcdctl command run on both members before the case (must succeed on both), or a lease
/// granted or revoked through etcd's JSON gateway (etcdctl cannot choose a lease ID, and the
/// IDs etcd picks differ between members).
#[derive(Clone)]
enum Step {
    Ctl {
        args: Vec<OsString>,
        stdin: Option<Vec<u8>>,
    },
    Grant {
        id: i64,
        ttl: i64,
    },
    Revoke {
        id: i64,
    },
}

/// What the two runs must agree on.
#[derive(Clone)]
enum Expect {
    /// Same exit code, same (normalised) stdout, matching stderr.
    Same { same_message: bool },
    /// A usage error: etcdctl exits 1 (and prints usage on stdout), ectl exits 128 with nothing
    /// on stdout; both say `Error: ` on stderr, and the two say the same [`UsageError`].
    Usage,
    /// Help: both exit 0 with the help on stdout and nothing on stderr; ectl's names every flag
    /// (with etcdctl's default) and command etcdctl's names.
    Help,
    /// A documented difference: each tool's own exit code, and ectl's stdout when given.
    Documented {
        why: &'static str,
        etcdctl_code: i32,
        ectl_code: i32,
        ectl_stdout: Option<Vec<u8>>,
    },
}

/// One command compared between etcdctl and ectl.
#[derive(Clone)]
pub struct Case {
    name: String,
    setup: Vec<Step>,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    endpoints_in_env: bool,
    no_endpoints: bool,
    extra_endpoint_flags: Vec<String>,
    expect: Expect,
    state_differs: bool,
}

/// A case running `args` (after `--endpoints=<member>`).
pub fn case(name: &str, args: &[&str]) -> Case {
    case_os(name, args.iter().map(OsString::from).collect())
}

/// A case whose arguments are arbitrary bytes (keys need not be UTF-8).
pub fn case_bytes(name: &str, args: &[&[u8]]) -> Case {
    case_os(name, args.iter().map(|a| os(a)).collect())
}

fn case_os(name: &str, args: Vec<OsString>) -> Case {
    Case {
        name: name.to_string(),
        setup: Vec::new(),
        args,
        env: Vec::new(),
        stdin: None,
        endpoints_in_env: false,
        no_endpoints: false,
        extra_endpoint_flags: Vec::new(),
        expect: Expect::Same { same_message: true },
        state_differs: false,
    }
}

fn os(bytes: &[u8]) -> OsString {
    OsString::from_vec(bytes.to_vec())
}

impl Case {
    /// Runs `etcdctl <args>` on both members first.
    pub fn setup(self, args: &[&str]) -> Case {
        self.setup_os(args.iter().map(OsString::from).collect(), None)
    }

    /// [`Case::setup`] with byte arguments.
    pub fn setup_bytes(self, args: &[&[u8]]) -> Case {
        self.setup_os(args.iter().map(|a| os(a)).collect(), None)
    }

    fn setup_os(mut self, args: Vec<OsString>, stdin: Option<Vec<u8>>) -> Case {
        self.setup.push(Step::Ctl { args, stdin });
        self
    }

    /// Grants lease `id` (decimal) with `ttl` seconds on both members.
    pub fn grant(mut self, id: i64, ttl: i64) -> Case {
        self.setup.push(Step::Grant { id, ttl });
        self
    }

    /// Revokes lease `id` on both members (its keys go with it).
    pub fn revoke(mut self, id: i64) -> Case {
        self.setup.push(Step::Revoke { id });
        self
    }

    /// Feeds `bytes` to the command's stdin (default: /dev/null).
    pub fn stdin(mut self, bytes: &[u8]) -> Case {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Sets an environment variable for both tools.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Case {
        self.env
            .push((OsString::from(key), value.as_ref().to_os_string()));
        self
    }

    /// Gives the member in `ETCDCTL_ENDPOINTS` instead of `--endpoints`.
    pub fn endpoints_in_env(mut self) -> Case {
        self.endpoints_in_env = true;
        self
    }

    /// Gives no endpoint at all (the case names its own, if any).
    pub fn no_endpoints(mut self) -> Case {
        self.no_endpoints = true;
        self
    }

    /// Adds `--endpoints=<dead>,<member>`-style flags: `template` with `{}` replaced by the
    /// member's endpoint, instead of the plain `--endpoints=<member>`.
    pub fn endpoints_flag(mut self, template: &str) -> Case {
        self.no_endpoints = true;
        self.extra_endpoint_flags.push(template.to_string());
        self
    }

    /// A usage error (see the module documentation).
    pub fn usage_error(mut self) -> Case {
        self.expect = Expect::Usage;
        self
    }

    /// Help (see the module documentation).
    pub fn help(mut self) -> Case {
        self.expect = Expect::Help;
        self
    }

    /// Same outcome, but the `Error: ` line is worded differently on purpose.
    pub fn message_differs(mut self) -> Case {
        self.expect = Expect::Same {
            same_message: false,
        };
        self
    }

    /// A documented difference: etcdctl exits `etcdctl_code`, ectl `ectl_code`.
    pub fn documented(mut self, why: &'static str, etcdctl_code: i32, ectl_code: i32) -> Case {
        self.expect = Expect::Documented {
            why,
            etcdctl_code,
            ectl_code,
            ectl_stdout: None,
        };
        self
    }

    /// With [`Case::documented`]: what ectl must print.
    pub fn ectl_stdout(mut self, bytes: &[u8]) -> Case {
        if let Expect::Documented { ectl_stdout, .. } = &mut self.expect {
            *ectl_stdout = Some(bytes.to_vec());
        }
        self
    }

    /// etcdctl changes the keyspace before failing where ectl fails first (documented), so the
    /// keyspaces are not compared after this case.
    pub fn state_differs(mut self) -> Case {
        self.state_differs = true;
        self
    }

    fn command(&self, base: Cmd, etcd: &Etcd) -> Cmd {
        let mut cmd = base;
        for template in &self.extra_endpoint_flags {
            cmd = cmd.arg(template.replace("{}", &etcd.endpoint()));
        }
        if self.endpoints_in_env {
            cmd = cmd.env("ETCDCTL_ENDPOINTS", etcd.endpoint());
        } else if !self.no_endpoints {
            cmd = cmd.arg(format!("--endpoints={}", etcd.endpoint()));
        }
        if let Some(tls) = etcd.tls()
            && !self.no_endpoints
            && !self.endpoints_in_env
        {
            cmd = cmd.args(tls.client_flags());
        }
        cmd = cmd.args(&self.args);
        for (k, v) in &self.env {
            cmd = cmd.env(k, v);
        }
        if let Some(stdin) = &self.stdin {
            cmd = cmd.stdin(stdin.clone());
        }
        cmd
    }

    /// The `-w` / `--write-out` / `ETCDCTL_WRITE_OUT` value the command runs with.
    fn write_out(&self) -> String {
        let args: Vec<&str> = self.args.iter().filter_map(|a| a.to_str()).collect();
        let mut format = self
            .env
            .iter()
            .find(|(k, _)| k == "ETCDCTL_WRITE_OUT")
            .map(|(_, v)| v.to_string_lossy().into_owned())
            .unwrap_or_else(|| "simple".into());
        for (i, arg) in args.iter().enumerate() {
            if *arg == "--" {
                break;
            }
            if let Some(v) = arg
                .strip_prefix("--write-out=")
                .or_else(|| arg.strip_prefix("-w="))
            {
                format = v.to_string();
            } else if (*arg == "-w" || *arg == "--write-out") && i + 1 < args.len() {
                format = args[i + 1].to_string();
            } else if let Some(v) = arg.strip_prefix("-w") {
                format = v.to_string();
            }
        }
        format
    }

    fn render_args(&self) -> String {
        let mut s = String::new();
        for (k, v) in &self.env {
            let _ = write!(
                s,
                "{}={} ",
                k.to_string_lossy(),
                v.as_bytes().escape_ascii()
            );
        }
        s.push_str("<tool>");
        for arg in &self.args {
            let _ = write!(s, " '{}'", arg.as_bytes().escape_ascii());
        }
        if let Some(stdin) = &self.stdin {
            let _ = write!(s, " <<< '{}'", stdin.escape_ascii());
        }
        s
    }
}

/// Whether the keyspace is emptied (and the case's leases revoked) before every case, or cases
/// run one after another on the same history.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Reset,
    Sequential,
}

/// Two members with identical histories: `reference` is driven by etcdctl, `ours` by ectl.
pub struct Pair {
    pub reference: Etcd,
    pub ours: Etcd,
    /// `--user` for the keyspace dumps, for pairs whose members get authentication.
    dump_user: Option<&'static str>,
}

impl Pair {
    /// Two plain single members.
    pub fn start() -> Pair {
        Pair::start_with(Options::default())
    }

    /// Two single members started with `opts`.
    pub fn start_with(opts: Options) -> Pair {
        Pair {
            reference: Etcd::start(opts.clone()),
            ours: Etcd::start(opts),
            dump_user: None,
        }
    }

    /// Dumps the keyspaces after each case as `user` (`name:password`): for members that get
    /// authentication (credentials are ignored while it is off).
    pub fn dumping_as(self, user: &'static str) -> Pair {
        Pair {
            dump_user: Some(user),
            ..self
        }
    }

    /// Runs `etcdctl <args>` on both members; panics unless it succeeds on both.
    pub fn setup(&self, args: &[&[u8]]) {
        let args: Vec<OsString> = args.iter().map(|a| os(a)).collect();
        self.apply(&Step::Ctl { args, stdin: None })
            .unwrap_or_else(|e| panic!("fixture: {e}"));
    }

    /// Grants lease `id` with `ttl` seconds on both members.
    pub fn grant(&self, id: i64, ttl: i64) {
        self.apply(&Step::Grant { id, ttl })
            .unwrap_or_else(|e| panic!("fixture: {e}"));
    }

    fn apply(&self, step: &Step) -> Result<(), String> {
        for etcd in [&self.reference, &self.ours] {
            match step {
                Step::Ctl { args, stdin } => {
                    let mut cmd = etcd.etcdctl().args(args);
                    if let Some(stdin) = stdin {
                        cmd = cmd.stdin(stdin.clone());
                    }
                    let out = cmd.run();
                    if out.code != 0 {
                        return Err(format!("setup step failed: {out:?}"));
                    }
                }
                Step::Grant { id, ttl } => gateway(
                    etcd,
                    "/v3/lease/grant",
                    &format!(r#"{{"TTL":"{ttl}","ID":"{id}"}}"#),
                )?,
                Step::Revoke { id } => {
                    gateway(etcd, "/v3/lease/revoke", &format!(r#"{{"ID":"{id}"}}"#))?
                }
            }
        }
        Ok(())
    }

    /// Runs every case, then panics with one report per failed case (if any).
    pub fn run(&self, cases: Vec<Case>, mode: Mode) {
        assert!(!cases.is_empty());
        // After a case that leaves the members with different histories, revisions differ.
        if let Some(i) = cases.iter().position(|c| c.state_differs) {
            assert!(
                cases[i..].iter().all(|c| c.state_differs),
                "cases after `{}` would start from different histories: move it last",
                cases[i].name
            );
        }
        let mut failures = Vec::new();
        let total = cases.len();
        for case in &cases {
            if mode == Mode::Reset {
                self.reset(case);
            }
            if let Err(report) = self.run_case(case) {
                failures.push(report);
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {total} cases differ between etcdctl and ectl:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }

    fn reset(&self, case: &Case) {
        self.apply(&Step::Ctl {
            args: vec!["del".into(), "".into(), "--from-key".into()],
            stdin: None,
        })
        .unwrap_or_else(|e| panic!("reset before {}: {e}", case.name));
        for step in &case.setup {
            if let Step::Grant { id, .. } = step {
                // Left over from an earlier run of the same case list: not an error.
                let _ = self.apply(&Step::Revoke { id: *id });
            }
        }
    }

    fn run_case(&self, case: &Case) -> Result<(), String> {
        let fail = |problem: String| format!("case `{}`: {problem}", case.name);
        for step in &case.setup {
            self.apply(step).map_err(fail)?;
        }
        let theirs = case
            .command(support::etcdctl(), &self.reference)
            .timeout(Duration::from_secs(30))
            .run();
        let ours = case
            .command(support::ectl(), &self.ours)
            .timeout(Duration::from_secs(30))
            .run();
        let mut problems = compare(case, &theirs, &ours);
        if problems.is_empty() && !case.state_differs {
            // A dump that failed is a problem of its own: two failed dumps must not compare
            // equal.
            let user = self.dump_user.map(|user| format!("--user={user}"));
            let dump = |etcd: &Etcd, whose: &str| match etcd
                .etcdctl()
                .args(&user)
                .args(["get", "", "--from-key", "-w", "json"])
                .run()
            {
                out if out.code == 0 => Ok(normalise(&out.stdout, "json")),
                out => Err(format!(
                    "dumping {whose} keyspace afterwards failed: {out:?}"
                )),
            };
            let (a, b) = match (
                dump(&self.reference, "etcdctl's"),
                dump(&self.ours, "ectl's"),
            ) {
                (Ok(a), Ok(b)) => (a, b),
                (a, b) => {
                    problems.extend(a.err());
                    problems.extend(b.err());
                    (Vec::new(), Vec::new())
                }
            };
            if a != b {
                problems.push(format!(
                    "the keyspaces differ afterwards:\n    etcdctl's: {}\n    ectl's:    {}",
                    shown(&a),
                    shown(&b)
                ));
            }
        }
        if problems.is_empty() {
            return Ok(());
        }
        Err(format!(
            "case `{}`: {}\n  - {}\n  etcdctl: exit {}, stdout \"{}\"\n           stderr \"{}\"\n  ectl:    exit {}, stdout \"{}\"\n           stderr \"{}\"",
            case.name,
            case.render_args(),
            problems.join("\n  - "),
            theirs.code,
            shown(&theirs.stdout),
            shown(&theirs.stderr),
            ours.code,
            shown(&ours.stdout),
            shown(&ours.stderr),
        ))
    }
}

/// Output escaped for a report, cut after 1000 bytes (etcdctl's usage text is long).
fn shown(bytes: &[u8]) -> String {
    const LIMIT: usize = 1000;
    let mut s = bytes[..bytes.len().min(LIMIT)].escape_ascii().to_string();
    if bytes.len() > LIMIT {
        s.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    s
}

/// Everything that differs in a way the case does not allow.
fn compare(case: &Case, theirs: &Out, ours: &Out) -> Vec<String> {
    let mut problems = Vec::new();
    match &case.expect {
        Expect::Same { same_message } => {
            if theirs.code != ours.code {
                problems.push(format!(
                    "exit codes differ: etcdctl {}, ectl {}",
                    theirs.code, ours.code
                ));
            }
            let format = case.write_out();
            if normalise(&theirs.stdout, &format) != normalise(&ours.stdout, &format) {
                problems.push("stdout differs".into());
            }
            let unstamped = |stderr: &[u8]| -> Vec<String> {
                String::from_utf8_lossy(stderr)
                    .lines()
                    .map(|line| support::unstamped(line).to_string())
                    .collect()
            };
            match (error_line(&theirs.stderr), error_line(&ours.stderr)) {
                // etcdctl may log warnings without failing, or fail in its own words.
                (None, _)
                    if !ours.stderr.is_empty()
                        && unstamped(&ours.stderr) != unstamped(&theirs.stderr) =>
                {
                    problems.push("ectl wrote to stderr, etcdctl reported no error".into())
                }
                (Some(_), None) => problems.push("ectl printed no `Error: ` line".into()),
                (Some(a), Some(b)) if *same_message && a != b => {
                    problems.push(format!("error messages differ: {a:?} vs {b:?}"))
                }
                _ => {}
            }
        }
        Expect::Usage => {
            if theirs.code != 1 {
                problems.push(format!(
                    "expected etcdctl's usage error (exit 1), got {}",
                    theirs.code
                ));
            }
            if ours.code != 128 {
                problems.push(format!(
                    "expected ectl's usage error (exit 128), got {}",
                    ours.code
                ));
            }
            if !ours.stdout.is_empty() {
                problems.push("ectl printed on stdout for a usage error".into());
            }
            match (error_line(&theirs.stderr), error_line(&ours.stderr)) {
                (Some(a), Some(b)) => match (UsageError::of_etcdctl(&a), UsageError::of_ectl(&b)) {
                    (Some(x), Some(y)) if x == y => {}
                    (Some(x), Some(y)) => problems.push(format!(
                        "the usage errors say different things: etcdctl {x:?}, ectl {y:?}"
                    )),
                    (None, _) => problems.push(format!("an etcdctl usage error not known: {a:?}")),
                    (_, None) => problems.push(format!("an ectl usage error not known: {b:?}")),
                },
                _ => problems.push("a usage error without an `Error: ` line".into()),
            }
        }
        Expect::Help => {
            if (theirs.code, ours.code) != (0, 0) {
                problems.push(format!(
                    "help exits 0: etcdctl {}, ectl {}",
                    theirs.code, ours.code
                ));
            }
            if !ours.stderr.is_empty() {
                problems.push("ectl wrote help or more to stderr".into());
            }
            problems.extend(help_differences(
                &String::from_utf8_lossy(&theirs.stdout),
                &String::from_utf8_lossy(&ours.stdout),
            ));
        }
        Expect::Documented {
            why,
            etcdctl_code,
            ectl_code,
            ectl_stdout,
        } => {
            if theirs.code != *etcdctl_code || ours.code != *ectl_code {
                problems.push(format!(
                    "documented difference ({why}): expected etcdctl {etcdctl_code} and ectl \
                     {ectl_code}, got {} and {}",
                    theirs.code, ours.code
                ));
            }
            if let Some(expected) = ectl_stdout
                && normalise(&ours.stdout, "simple") != *expected
            {
                problems.push(format!(
                    "ectl's stdout should be \"{}\"",
                    expected.escape_ascii()
                ));
            }
            if *ectl_code != 0 && error_line(&ours.stderr).is_none() {
                problems.push("ectl failed without an `Error: ` line".into());
            }
        }
    }
    problems
}

/// What a usage error says, read from either tool's wording: cobra's and pflag's for etcdctl,
/// clap's for ectl (README, "Deliberate differences").
#[derive(Debug, PartialEq, Eq)]
pub enum UsageError {
    /// A flag that does not exist (`--bogus`, `-x`).
    UnknownFlag(String),
    /// A flag given without the value it needs.
    MissingValue(String),
    /// A flag whose value does not parse: the flag (`--limit`), the value, the Go parser's error.
    BadValue {
        flag: String,
        value: String,
        cause: String,
    },
    /// A command that does not exist, or an ambiguous abbreviation.
    UnknownCommand(String),
}

impl UsageError {
    /// etcdctl's `Error: ` line: `unknown flag: --x`, `unknown shorthand flag: 'x' in -x`,
    /// `flag needs an argument: --x`, `invalid argument "v" for "--x" flag: cause`
    /// (`"-w, --write-out"` for a flag with a shorthand), `unknown command "c" for "etcdctl"`.
    pub fn of_etcdctl(line: &str) -> Option<UsageError> {
        let text = line.strip_prefix("Error: ")?;
        if let Some(flag) = text.strip_prefix("unknown flag: ") {
            return Some(UsageError::UnknownFlag(flag.to_string()));
        }
        if let Some(rest) = text.strip_prefix("unknown shorthand flag: '") {
            let (letter, _) = rest.split_once('\'')?;
            return Some(UsageError::UnknownFlag(format!("-{letter}")));
        }
        if let Some(flag) = text.strip_prefix("flag needs an argument: ") {
            let flag = match flag.strip_prefix('\'') {
                Some(rest) => format!("-{}", rest.split_once('\'')?.0),
                None => flag.to_string(),
            };
            return Some(UsageError::MissingValue(flag));
        }
        if let Some(rest) = text.strip_prefix("invalid argument \"") {
            let (value, rest) = rest.split_once("\" for \"")?;
            let (flag, cause) = rest.split_once("\" flag: ")?;
            // `-w, --write-out`: the long name is the flag.
            let flag = flag.rsplit(", ").next()?;
            return Some(UsageError::BadValue {
                flag: flag.to_string(),
                value: value.to_string(),
                cause: cause.to_string(),
            });
        }
        let rest = text.strip_prefix("unknown command \"")?;
        Some(UsageError::UnknownCommand(
            rest.split_once('"')?.0.to_string(),
        ))
    }

    /// ectl's (clap's) `Error: ` line: `unexpected argument 'x' found`, `a value is required
    /// for '--x <X>' but none was supplied`, `invalid value 'v' for '--x <X>': cause` (or
    /// `'--x[=<X>]'`, `'-w, --write-out <W>'`), `unrecognized subcommand 'c'`.
    pub fn of_ectl(line: &str) -> Option<UsageError> {
        let text = line.strip_prefix("Error: ")?;
        // `--x <X>`, `--x[=<X>]`, `-w, --write-out <W>`: the long name, else the short one.
        let flag_of = |spec: &str| -> Option<String> {
            let name = spec.rsplit(", ").next()?;
            Some(name.split(['[', ' ']).next()?.to_string())
        };
        if let Some(rest) = text.strip_prefix("unexpected argument '") {
            let (arg, _) = rest.split_once("' found")?;
            return Some(UsageError::UnknownFlag(arg.to_string()));
        }
        if let Some(rest) = text.strip_prefix("a value is required for '") {
            let (spec, _) = rest.split_once("' but none was supplied")?;
            return Some(UsageError::MissingValue(flag_of(spec)?));
        }
        if let Some(rest) = text.strip_prefix("invalid value '") {
            let (value, rest) = rest.split_once("' for '")?;
            let (spec, cause) = rest.split_once("': ")?;
            return Some(UsageError::BadValue {
                flag: flag_of(spec)?,
                value: value.to_string(),
                cause: cause.to_string(),
            });
        }
        let rest = text.strip_prefix("unrecognized subcommand '")?;
        Some(UsageError::UnknownCommand(
            rest.split_once('\'')?.0.to_string(),
        ))
    }
}

/// What ectl's help (`ours`) lacks of etcdctl's (`theirs`): a flag of etcdctl's `OPTIONS` or
/// `GLOBAL OPTIONS`, or its default (the flags and their defaults are etcdctl's: README,
/// "Deliberate differences"), or a command of etcdctl's `COMMANDS`.
fn help_differences(theirs: &str, ours: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut section = "";
    let mut flags = 0;
    for line in theirs.lines() {
        if !line.starts_with([' ', '\t']) && line.ends_with(':') {
            section = line;
            continue;
        }
        match section {
            "OPTIONS:" | "GLOBAL OPTIONS:" => {
                let Some((flag, default)) = etcdctl_flag(line) else {
                    continue;
                };
                flags += 1;
                // The help flag's own line is clap's (`Print help`), with no default.
                if flag == "--help" {
                    continue;
                }
                match ectl_flag_block(ours, &flag) {
                    None => problems.push(format!("ectl's help lacks {flag}")),
                    Some(block) => {
                        if let Some(default) = default
                            && !block.contains(&format!("[default: {default}]"))
                        {
                            problems.push(format!(
                                "ectl's help gives {flag} another default than {default:?}: \
                                 {block:?}"
                            ));
                        }
                    }
                }
            }
            "COMMANDS:" => {
                let Some(command) = line.split_whitespace().next() else {
                    continue;
                };
                let listed = ours.lines().any(|l| {
                    l.strip_prefix("  ")
                        .and_then(|l| l.split_whitespace().next())
                        == Some(command)
                });
                if !listed {
                    problems.push(format!("ectl's help lacks the command {command}"));
                }
            }
            _ => {}
        }
    }
    if flags == 0 {
        problems.push("etcdctl's help listed no flag: not a help text?".into());
    }
    problems.dedup();
    problems
}

/// A flag line of etcdctl's help: `  -w, --write-out="simple"   desc` → (`--write-out`,
/// `Some("simple")`). `=""` is no default; `[=false]` is `false`; `=[a]` (a list) is `a`.
fn etcdctl_flag(line: &str) -> Option<(String, Option<String>)> {
    let spec = line.trim_start().split('\t').next()?.trim_end();
    let spec = spec.rsplit(", ").next()?;
    if !spec.starts_with("--") {
        return None;
    }
    let (name, default) = match spec.split_once(['=', '[']) {
        None => (spec, None),
        Some((name, _)) => {
            let value = spec[name.len()..]
                .trim_start_matches("[=")
                .trim_start_matches('=')
                .trim_end_matches(']');
            let value = value.trim_matches('"').trim_start_matches('[');
            (name, (!value.is_empty()).then(|| value.to_string()))
        }
    };
    Some((name.to_string(), default))
}

/// The text of `flag`'s entry in ectl's help, wrapped lines joined: from its line up to the
/// next flag, blank line or heading.
fn ectl_flag_block(help: &str, flag: &str) -> Option<String> {
    let is_flag_line = |l: &str| l.trim_start().starts_with('-') && l.starts_with("  ");
    let names = |l: &str| {
        let spec = l.trim_start().split("  ").next().unwrap_or_default();
        spec.split(", ")
            .map(|n| {
                n.split(['[', ' ', '='])
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    let mut lines = help.lines();
    let first = lines.find(|l| is_flag_line(l) && names(l).iter().any(|n| n == flag))?;
    let mut block = vec![first.trim().to_string()];
    for line in lines {
        if is_flag_line(line) || !line.starts_with(' ') {
            break;
        }
        block.push(line.trim().to_string());
    }
    Some(
        block
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The first `Error: ` line of a stderr.
fn error_line(stderr: &[u8]) -> Option<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .find(|l| l.starts_with("Error: "))
        .map(str::to_string)
}

/// `stdout` with the header's cluster and member IDs blanked, for output `format`.
pub fn normalise(stdout: &[u8], format: &str) -> Vec<u8> {
    match format {
        "protobuf" => strip_pb_header_ids(stdout).unwrap_or_else(|| stdout.to_vec()),
        // Fields, JSON and anything else: the textual forms (harmless where absent).
        _ => {
            let mut out = stdout.to_vec();
            for pattern in [
                &b"\"cluster_id\":"[..],
                b"\"member_id\":",
                b"\"ClusterID\" : ",
                b"\"MemberID\" : ",
            ] {
                out = blank_numbers_after(&out, pattern);
            }
            out
        }
    }
}

/// Every run of digits right after `pattern` replaced by `N`.
fn blank_numbers_after(input: &[u8], pattern: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i..].starts_with(pattern) {
            out.extend_from_slice(pattern);
            i += pattern.len();
            let digits = input[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 {
                out.push(b'N');
                i += digits;
            }
        } else {
            out.push(input[i]);
            i += 1;
        }
    }
    out
}

/// A response message with fields 1 (`cluster_id`) and 2 (`member_id`) removed from its header
/// (field 1); `None` when the bytes are not a protobuf message.
fn strip_pb_header_ids(msg: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(msg.len());
    for field in pb_fields(msg)? {
        if field.tag == 1 && field.wire == 2 {
            let mut header = Vec::new();
            for inner in pb_fields(field.payload)? {
                if inner.tag != 1 && inner.tag != 2 {
                    header.extend_from_slice(inner.raw);
                }
            }
            put_varint(&mut out, (1 << 3) | 2);
            put_varint(&mut out, header.len() as u64);
            out.extend_from_slice(&header);
        } else {
            out.extend_from_slice(field.raw);
        }
    }
    Some(out)
}

struct PbField<'a> {
    tag: u64,
    wire: u64,
    /// The length-delimited payload (empty for other wire types).
    payload: &'a [u8],
    /// The whole field: key, length and value.
    raw: &'a [u8],
}

fn pb_fields(mut buf: &[u8]) -> Option<Vec<PbField<'_>>> {
    let mut fields = Vec::new();
    while !buf.is_empty() {
        let start = buf;
        let key = get_varint(&mut buf)?;
        let (tag, wire) = (key >> 3, key & 7);
        let mut payload: &[u8] = &[];
        match wire {
            0 => {
                get_varint(&mut buf)?;
            }
            1 => buf = buf.get(8..)?,
            2 => {
                let len = usize::try_from(get_varint(&mut buf)?).ok()?;
                payload = buf.get(..len)?;
                buf = &buf[len..];
            }
            5 => buf = buf.get(4..)?,
            _ => return None,
        }
        let used = start.len() - buf.len();
        fields.push(PbField {
            tag,
            wire,
            payload,
            raw: &start[..used],
        });
    }
    Some(fields)
}

fn get_varint(buf: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first()?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// POSTs `body` to etcd's JSON gateway on `etcd`'s client port; errors unless the answer is 200.
fn gateway(etcd: &Etcd, path: &str, body: &str) -> Result<(), String> {
    let describe = |e: std::io::Error| format!("POST {path} to {}: {e}", etcd.endpoint());
    let mut stream = TcpStream::connect(etcd.endpoint()).map_err(describe)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(describe)?;
    write!(
        stream,
        "POST {path} HTTP/1.0\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        etcd.endpoint(),
        body.len()
    )
    .map_err(describe)?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(describe)?;
    if answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!(
            "POST {path} {body} to {}: {answer}",
            etcd.endpoint()
        ))
    }
}

#[test]
fn usage_errors_read_alike_from_both_wordings() {
    let pairs = [
        (
            "Error: unknown flag: --bogus",
            "Error: unexpected argument '--bogus' found",
        ),
        (
            "Error: unknown shorthand flag: 'x' in -x",
            "Error: unexpected argument '-x' found",
        ),
        (
            "Error: flag needs an argument: --limit",
            "Error: a value is required for '--limit <LIMIT>' but none was supplied",
        ),
        (
            r#"Error: invalid argument "maybe" for "--prefix" flag: strconv.ParseBool: parsing "maybe": invalid syntax"#,
            r#"Error: invalid value 'maybe' for '--prefix[=<PREFIX>]': strconv.ParseBool: parsing "maybe": invalid syntax"#,
        ),
        (
            r#"Error: invalid argument "x" for "-w, --write-out" flag: bad"#,
            "Error: invalid value 'x' for '-w, --write-out <WRITE_OUT>': bad",
        ),
        (
            r#"Error: unknown command "de" for "etcdctl""#,
            "Error: unrecognized subcommand 'de'",
        ),
    ];
    for (etcdctl, ectl) in pairs {
        let theirs = UsageError::of_etcdctl(etcdctl);
        assert!(theirs.is_some(), "{etcdctl}");
        assert_eq!(theirs, UsageError::of_ectl(ectl), "{ectl}");
    }
    assert_ne!(
        UsageError::of_etcdctl(r#"Error: unknown command "foo" for "etcdctl""#),
        UsageError::of_ectl("Error: unexpected argument '--bogus' found")
    );
    assert_eq!(UsageError::of_ectl("Error: something else"), None);
}

#[test]
fn help_flags_and_defaults_are_read_from_both_layouts() {
    assert_eq!(
        etcdctl_flag(r#"  -w, --write-out="simple"			set the output format"#),
        Some(("--write-out".into(), Some("simple".into())))
    );
    assert_eq!(
        etcdctl_flag("      --endpoints=[127.0.0.1:2379]		gRPC endpoints"),
        Some(("--endpoints".into(), Some("127.0.0.1:2379".into())))
    );
    assert_eq!(
        etcdctl_flag("      --prefix[=false]			Get keys"),
        Some(("--prefix".into(), Some("false".into())))
    );
    assert_eq!(
        etcdctl_flag(r#"      --order=""			Order of results"#),
        Some(("--order".into(), None))
    );
    let ours = "Options:\n      --prefix[=<PREFIX>]\n          Get keys\n          \n          [default:\n          false]\n\n  -w, --write-out <W>  fmt [default: simple]\n";
    assert_eq!(
        ectl_flag_block(ours, "--prefix").as_deref(),
        Some("--prefix[=<PREFIX>] Get keys [default: false]")
    );
    assert_eq!(
        ectl_flag_block(ours, "--write-out").as_deref(),
        Some("-w, --write-out <W> fmt [default: simple]")
    );
    assert_eq!(ectl_flag_block(ours, "--limit"), None);
    let theirs = "OPTIONS:\n      --prefix[=true]\t\tGet keys\n  -w, --write-out=\"simple\"\tfmt\n";
    assert_eq!(
        help_differences(theirs, ours),
        [
            r#"ectl's help gives --prefix another default than "true": "--prefix[=<PREFIX>] Get keys [default: false]""#
        ]
    );
}

#[test]
fn protobuf_headers_lose_only_their_ids() {
    // `put a 1 -w protobuf` from a real member: header {cluster_id, member_id, revision 2,
    // raft_term 2}.
    let put = [
        0x0a, 0x1a, 0x08, 0xb2, 0x98, 0xea, 0xf1, 0x94, 0x83, 0x86, 0xfc, 0xcd, 0x01, 0x10, 0xcd,
        0xd2, 0x91, 0x8b, 0xd2, 0xb8, 0x81, 0xcf, 0x8e, 0x01, 0x18, 0x02, 0x20, 0x02,
    ];
    assert_eq!(
        strip_pb_header_ids(&put).unwrap(),
        [0x0a, 0x04, 0x18, 0x02, 0x20, 0x02]
    );
    assert_eq!(strip_pb_header_ids(&[0x0a, 0x05, 0x01]), None);
    assert_eq!(
        normalise(
            br#"{"header":{"cluster_id":12,"member_id":34,"revision":5}}"#,
            "json"
        ),
        br#"{"header":{"cluster_id":N,"member_id":N,"revision":5}}"#
    );
    assert_eq!(
        normalise(
            b"\"ClusterID\" : 1\n\"MemberID\" : 2\n\"Revision\" : 3\n",
            "fields"
        ),
        b"\"ClusterID\" : N\n\"MemberID\" : N\n\"Revision\" : 3\n"
    );
}
