//! `watch`: print the events on a key, a range or a prefix as they happen, optionally running a
//! command for each; `-i` reads `watch ...` and `progress` lines from stdin instead.
//!
//! Arguments resolve as etcdctl's `parseWatchArgs` and `getWatchChan` resolve them ([`plan`],
//! [`interpret_line`]); the stream itself, with its resumption on another member, lives in
//! [`crate::client::watch`]. Output goes through the printers and is flushed after each burst of
//! responses, so a pipe sees events as they come without a write per line.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, Write};
use std::os::unix::ffi::OsStrExt;

use clap::{Args, CommandFactory, FromArgMatches};
use tokio::sync::mpsc;

use crate::cli::Etcdctl;
use crate::cli::values::go_int64;
use crate::client::watch::{Delivery, Watches};
use crate::commands::line::argify;
use crate::commands::prelude::Workbench;
use crate::commands::process::{Failure, Sigint, UserCommand, die_of_sigint};
use crate::error::{CliError, ExitCode, Verbatim};
use crate::go;
use crate::k8s::Decode;
use crate::keys::key_range;
use crate::output::{self, Format, PrintOptions, ResponseKind, event_type_name};
use crate::pb::etcdserverpb::{WatchCreateRequest, WatchResponse};
use crate::pb::mvccpb::Event;

/// Watches events stream on keys or prefixes
///
/// Usage: ectl watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]
///
/// Prints each event (PUT or DELETE, the key, the value) as it happens. With a command after
/// `--`, runs it once per event with ETCD_WATCH_REVISION, ETCD_WATCH_EVENT_TYPE, ETCD_WATCH_KEY
/// and ETCD_WATCH_VALUE set. ETCDCTL_WATCH_KEY and ETCDCTL_WATCH_RANGE_END may give the key and
/// range end instead of arguments. With -i, reads `watch [options] <key> [range_end] [-- cmd]`
/// and `progress` lines from stdin.
///
/// If the member serving the watch dies or stops answering, the watch continues on another
/// endpoint from the revision after the last event printed: no event is lost or repeated.
///
/// Examples:
///   ectl watch foo                    events on the key foo
///   ectl watch --prefix /app --prev-kv
///   ectl watch foo --rev 1 -- sh -c 'echo "$ETCD_WATCH_KEY changed"'
///   ectl watch --prefix /registry/configmaps/ --decode=k8s
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct WatchArgs {
    /// Interactive mode
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Watch on a prefix if prefix is set
    #[arg(long)]
    pub prefix: bool,
    /// Revision to start watching
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub rev: i64,
    /// get the previous key-value pair before the event happens
    #[arg(long)]
    pub prev_kv: bool,
    /// get periodic watch progress notification from server
    #[arg(long)]
    pub progress_notify: bool,
    /// Show values that are Kubernetes objects (as an API server stores them) as JSON or YAML;
    /// other values print as they are (ectl only; simple format; for the whole session with -i)
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub decode: Option<Decode>,
    /// [key or prefix] [range_end]
    #[arg(value_name = "KEY", add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completion::KEYS))]
    pub args: Vec<OsString>,
    /// [-- exec-command arg1 arg2 ...], run for each event
    #[arg(last = true, value_name = "EXEC")]
    pub exec: Vec<OsString>,
}

const BAD_ARGS_NUM: &str = "bad number of arguments";
const CONFLICTING_ENV: &str = "bad number of arguments (found conflicting environment key)";
const NO_COMMAND: &str = "bad number of arguments (found separator --, but no commands)";
const COMPACTED: &str = "etcdserver: mvcc: required revision has been compacted";

const WATCH_VARS: [&str; 2] = ["ETCDCTL_WATCH_KEY", "ETCDCTL_WATCH_RANGE_END"];

/// `ETCDCTL_WATCH_KEY` and `ETCDCTL_WATCH_RANGE_END`; empty means unset, as in etcdctl.
#[derive(Debug, Clone, Default)]
pub struct WatchEnv {
    pub key: Vec<u8>,
    pub range_end: Vec<u8>,
}

impl WatchEnv {
    pub fn from_process() -> Self {
        let var = |name| {
            std::env::var_os(name)
                .map(|v| v.as_bytes().to_vec())
                .unwrap_or_default()
        };
        let [key, range_end] = WATCH_VARS.map(var);
        WatchEnv { key, range_end }
    }

    fn check(&self) -> Result<(), CliError> {
        if self.key.is_empty() && !self.range_end.is_empty() {
            return Err(CliError::bad_args(format!(
                "ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END={}",
                go::quote(&self.range_end)
            )));
        }
        Ok(())
    }

    /// The key (and range end) from the environment, then the positional arguments.
    fn watch_args(&self, positional: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut args = Vec::new();
        if !self.key.is_empty() {
            args.push(self.key.clone());
            if !self.range_end.is_empty() {
                args.push(self.range_end.clone());
            }
        }
        args.extend(positional.iter().cloned());
        args
    }
}

/// One watch to create and the command to run for its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub create: WatchCreateRequest,
    pub exec: Vec<OsString>,
}

/// The command-line watch. `separator_last` says the command line ended in `--` (which clap
/// swallows), an error in etcdctl.
pub fn plan(args: &WatchArgs, separator_last: bool, env: &WatchEnv) -> Result<Plan, CliError> {
    env.check()?;
    if separator_last && args.exec.is_empty() {
        return Err(CliError::bad_args(NO_COMMAND));
    }
    if !env.key.is_empty() && !args.args.is_empty() {
        return Err(CliError::bad_args(CONFLICTING_ENV));
    }
    let positional: Vec<Vec<u8>> = args.args.iter().map(|a| a.as_bytes().to_vec()).collect();
    let watch_args = env.watch_args(&positional);
    if watch_args.is_empty() {
        // etcdctl's words, and what it leaves unsaid.
        return Err(CliError::bad_args(BAD_ARGS_NUM).with_hint(Some(
            "name what to watch: `watch KEY`, `watch --prefix PREFIX` or `watch KEY RANGE_END` \
             (or set ETCDCTL_WATCH_KEY)"
                .into(),
        )));
    }
    let create = create_request(&watch_args, args).map_err(CliError::bad_args)?;
    Ok(Plan {
        create,
        exec: args.exec.clone(),
    })
}

/// etcdctl's `getWatchChan`: the key, an optional range end (a third argument is ignored), and
/// the flags.
fn create_request(watch_args: &[Vec<u8>], flags: &WatchArgs) -> Result<WatchCreateRequest, String> {
    let Some(key) = watch_args.first() else {
        return Err(BAD_ARGS_NUM.into());
    };
    let mut range_end = None;
    if watch_args.len() == 2 {
        if flags.prefix {
            return Err("`range_end` and `--prefix` are mutually exclusive".into());
        }
        range_end = Some(watch_args[1].clone());
    }
    // etcd would cancel the watch as if the revision were compacted: say what is wrong instead.
    if flags.rev < 0 {
        return Err(format!(
            "--rev {} is negative: give a revision from 1 on, or 0 to watch from now",
            flags.rev
        ));
    }
    let range = key_range(key.clone(), range_end, flags.prefix, false).map_err(|e| e.message)?;
    Ok(WatchCreateRequest {
        key: range.key,
        range_end: range.range_end,
        start_revision: flags.rev,
        progress_notify: flags.progress_notify,
        prev_kv: flags.prev_kv,
        ..Default::default()
    })
}

/// What one line of interactive input asks for.
#[derive(Debug, PartialEq)]
pub enum LineRequest {
    Watch(Plan),
    Progress,
    /// Not understood: the message etcdctl prints on stderr before reading on.
    Invalid(Vec<u8>),
}

/// One interactive line, as etcdctl's `watchInteractiveFunc` reads it. Errors end the command
/// (etcdctl exits on them too).
pub fn interpret_line(line: &[u8], env: &WatchEnv) -> Result<LineRequest, CliError> {
    let invalid = |what: &str, why: &str| {
        let mut message = format!("Invalid command{what}").into_bytes();
        message.extend_from_slice(line);
        message.extend_from_slice(format!(" ({why})").as_bytes());
        LineRequest::Invalid(message)
    };
    let args = argify(line)?;
    let Some(first) = args.first() else {
        return Ok(invalid(": ", "watch and progress supported"));
    };
    match first.as_slice() {
        b"watch" => {}
        b"progress" => return Ok(LineRequest::Progress),
        _ => return Ok(invalid(" ", "only support watch")),
    }
    if args.len() < 2 && env.key.is_empty() {
        return Ok(invalid(" ", "command type or key is not provided"));
    }
    let rest = &args[1..];
    let (flags_part, exec) = match rest.iter().position(|a| a == b"--") {
        Some(i) if i == rest.len() - 1 => return Err(CliError::bad_args(NO_COMMAND)),
        Some(i) => (&rest[..i], rest[i + 1..].to_vec()),
        None => (rest, Vec::new()),
    };
    let parsed = parse_line_flags(flags_part)?;
    let positional: Vec<Vec<u8>> = parsed.args.iter().map(|a| a.as_bytes().to_vec()).collect();
    if exec.is_empty() {
        if env.key.is_empty() && positional.is_empty() {
            return Err(CliError::bad_args(BAD_ARGS_NUM));
        }
        if !env.key.is_empty() && !positional.is_empty() {
            return Err(CliError::bad_args(CONFLICTING_ENV));
        }
    }
    match create_request(&env.watch_args(&positional), &parsed) {
        Ok(create) => Ok(LineRequest::Watch(Plan {
            create,
            exec: exec
                .into_iter()
                .map(|a| OsStr::from_bytes(&a).to_owned())
                .collect(),
        })),
        Err(why) => Ok(invalid(" ", &why)),
    }
}

/// The flags and positional arguments of an interactive `watch` line, parsed with the same
/// definitions as the command line's.
fn parse_line_flags(args: &[Vec<u8>]) -> Result<WatchArgs, CliError> {
    #[derive(clap::Parser)]
    #[command(name = "watch")]
    struct Line {
        #[command(flatten)]
        watch: Etcdctl<WatchArgs>,
    }
    let argv = std::iter::once(OsString::from("watch"))
        .chain(args.iter().map(|a| OsStr::from_bytes(a).to_owned()));
    let mut cmd = Line::command().args_override_self(true);
    let matches = cmd.try_get_matches_from_mut(argv).map_err(|e| {
        let text = e.render().to_string();
        let first = text.lines().next().unwrap_or_default();
        CliError::bad_args(first.strip_prefix("error: ").unwrap_or(first))
    })?;
    Line::from_arg_matches(&matches)
        .map(|l| l.watch.0)
        .map_err(|e| CliError::bad_args(e.to_string()))
}

pub async fn run(args: WatchArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let env = WatchEnv::from_process();
    env.check()?;
    // Ctrl-C from here on ends the watch after the response being printed, output flushed;
    // unless SIGINT was ignored when we started (`cmd &` in a script), as Go leaves it then.
    let mut sigint = Sigint::install()?;
    let mut stdin_lines = None;
    let mut first = None;
    if args.interactive {
        stdin_lines = Some(read_lines());
    } else {
        let separator_last = std::env::args_os().last().is_some_and(|a| a == "--");
        first = Some(plan(&args, separator_last, &env)?);
    }
    ctx.ensure_format(ResponseKind::Watch)?;
    // watch's own variables are no surprise to it (etcdctl adds them to its flags here); set
    // empty, they are to etcdctl's reader.
    ctx.settings
        .unrecognized_vars
        .retain(|(name, value)| value.is_empty() || !WATCH_VARS.contains(&name.as_str()));
    let (format, style) = (ctx.format(), ctx.decoding_style(args.decode)?);
    let (client, out) = ctx.client_and_out()?;
    let mut watching = WatchLoop {
        watches: client.watches(),
        execs: Vec::new(),
        out,
        format,
        style,
        compacted: None,
    };
    if let Some(plan) = first {
        watching.add(plan);
    }
    loop {
        let delivery = tokio::select! {
            biased;
            _ = sigint.recv() => return Err(watching.interrupted()),
            line = recv_line(&mut stdin_lines) => {
                watching.line(line, &env)?;
                continue;
            }
            delivery = watching.watches.next() => delivery?,
        };
        watching.deliver(delivery, &mut sigint).await?;
        // Print whatever else has already arrived, then flush once.
        for _ in 0..1024 {
            let Some(delivery) = watching.watches.next_ready() else {
                break;
            };
            watching.deliver(delivery?, &mut sigint).await?;
        }
        watching.out.flush()?;
        if stdin_lines.is_none() && watching.watches.active() == 0 {
            let mut message = String::from("watch is canceled by the server");
            if let Some(revision) = watching.compacted {
                message.push_str(&format!(
                    ": the revision to watch from has been compacted; the oldest one left is \
                     {revision}"
                ));
            }
            return Err(CliError::new(ExitCode::Interrupted, message).into());
        }
    }
}

/// The watches of one `watch` command, the command each runs per event, and where they print.
struct WatchLoop<'c, 'o> {
    watches: Watches<'c>,
    /// The command to run for each watch's events (empty for none).
    execs: Vec<Vec<OsString>>,
    out: &'o mut dyn Write,
    format: Format,
    style: PrintOptions,
    /// Set when a watch ended because its start revision was compacted.
    compacted: Option<i64>,
}

impl WatchLoop<'_, '_> {
    fn add(&mut self, plan: Plan) {
        let index = self.watches.add(plan.create);
        debug_assert_eq!(index, self.execs.len());
        self.execs.push(plan.exec);
    }

    fn line(&mut self, line: Result<Vec<u8>, String>, env: &WatchEnv) -> anyhow::Result<()> {
        let line = line.map_err(|e| {
            CliError::invalid_input(format!("Error reading watch request line: {e}"))
        })?;
        match interpret_line(&line, env)? {
            LineRequest::Watch(plan) => self.add(plan),
            LineRequest::Progress => self.watches.request_progress(),
            LineRequest::Invalid(message) => {
                self.out.flush()?;
                crate::term::warn_bytes(&message)?;
            }
        }
        Ok(())
    }

    async fn deliver(&mut self, delivery: Delivery, sigint: &mut Sigint) -> anyhow::Result<()> {
        let (watch, response) = match delivery {
            Delivery::Response { watch, response } => (watch, response),
            Delivery::Closed { error, .. } => {
                self.out.flush()?;
                crate::term::warn(format_args!("watch was canceled ({error})"));
                return Ok(output::printer(self.format, self.style, &mut *self.out).watch_closed()?);
            }
            Delivery::Canceled { .. } => return Ok(()),
        };
        if response.canceled {
            self.out.flush()?;
            crate::term::warn(format_args!("watch was canceled ({COMPACTED})"));
            self.compacted = Some(response.compact_revision);
        }
        if is_progress_notify(&response) {
            let revision = response.header.map_or(0, |h| h.revision);
            writeln!(self.out, "progress notify: {revision}")?;
        }
        output::printer(self.format, self.style, &mut *self.out).watch(&response)?;
        let exec = self.execs[watch].clone();
        if exec.is_empty() || response.events.is_empty() {
            return Ok(());
        }
        // The child writes to the same stdout: everything printed so far goes first.
        self.out.flush()?;
        let revision = response.header.map_or(0, |h| h.revision);
        for event in &response.events {
            let command = exec_command(&exec, revision, event);
            let child = tokio::task::spawn_blocking(move || command.run());
            let result = tokio::select! {
                _ = sigint.recv() => return Err(self.interrupted()),
                result = child => result?,
            };
            if let Err(Failure { message: cause, .. }) = result {
                let quoted: Vec<String> = exec.iter().map(|a| go::quote(a.as_bytes())).collect();
                return Err(Verbatim {
                    code: ExitCode::Error,
                    message: format!("command [{}] error ({cause})", quoted.join(" ")),
                }
                .into());
            }
        }
        Ok(())
    }

    fn interrupted(&mut self) -> anyhow::Error {
        die_of_sigint(&mut *self.out)
    }
}

/// clientv3's `IsProgressNotify`.
fn is_progress_notify(resp: &WatchResponse) -> bool {
    resp.events.is_empty()
        && !resp.canceled
        && !resp.created
        && resp.compact_revision == 0
        && resp.header.is_some_and(|h| h.revision != 0)
}

/// The command etcdctl runs for one event: the four `ETCD_WATCH_*` variables come after the
/// inherited environment, in etcdctl's order, Go-quoted where etcdctl quotes them.
fn exec_command(exec: &[OsString], revision: i64, event: &Event) -> UserCommand {
    let kv = event.kv.clone().unwrap_or_default();
    let added = [
        ("ETCD_WATCH_REVISION", revision.to_string().into_bytes()),
        (
            "ETCD_WATCH_EVENT_TYPE",
            go::quote(event_type_name(event).as_bytes()).into_bytes(),
        ),
        ("ETCD_WATCH_KEY", go::quote(&kv.key).into_bytes()),
        ("ETCD_WATCH_VALUE", go::quote(&kv.value).into_bytes()),
    ];
    UserCommand::new(exec, &[], &added)
}

/// Stdin lines (without the newline) from a thread, so waiting for one never blocks the watch.
/// A last line without a newline counts as the end of input, as Go's `ReadString` has it.
fn read_lines() -> mpsc::UnboundedReceiver<Result<Vec<u8>, String>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            let mut line = Vec::new();
            let sent = match stdin.read_until(b'\n', &mut line) {
                Ok(_) if line.last() == Some(&b'\n') => {
                    line.pop();
                    tx.send(Ok(line))
                }
                Ok(_) => {
                    let _ = tx.send(Err("EOF".into()));
                    break;
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    break;
                }
            };
            if sent.is_err() {
                break;
            }
        }
    });
    rx
}

/// The next stdin line in interactive mode; never ready otherwise.
async fn recv_line(
    lines: &mut Option<mpsc::UnboundedReceiver<Result<Vec<u8>, String>>>,
) -> Result<Vec<u8>, String> {
    match lines {
        Some(rx) => rx.recv().await.unwrap_or_else(|| Err("EOF".into())),
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    // Cases from etcdctl's own `Test_parseWatchArgs` (v3.4.23) and its e2e watch tests.
    use super::*;

    fn env(key: &str, range_end: &str) -> WatchEnv {
        WatchEnv {
            key: key.into(),
            range_end: range_end.into(),
        }
    }

    fn plan_of(argv: &[&str], env: &WatchEnv) -> Result<Plan, CliError> {
        let parsed: WatchArgs =
            crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
        plan(&parsed, argv.last() == Some(&"--"), env)
    }

    fn range(plan: &Plan) -> (&[u8], &[u8]) {
        (&plan.create.key, &plan.create.range_end)
    }

    #[test]
    fn keys_ranges_and_commands() {
        let none = env("", "");
        let p = plan_of(&["foo", "bar"], &none).unwrap();
        assert_eq!(range(&p), (&b"foo"[..], &b"bar"[..]));
        let p = plan_of(
            &["foo", "--rev", "1", "bar", "--", "echo", "Hello", "World"],
            &none,
        )
        .unwrap();
        assert_eq!(range(&p), (&b"foo"[..], &b"bar"[..]));
        assert_eq!(p.create.start_revision, 1);
        assert_eq!(p.exec, ["echo", "Hello", "World"]);
        let p = plan_of(&["--rev", "1", "--", "echo", "Hello"], &env("foo", "bar")).unwrap();
        assert_eq!(range(&p), (&b"foo"[..], &b"bar"[..]));
        let p = plan_of(&["key", "--prefix", "--prev-kv"], &none).unwrap();
        assert_eq!(range(&p), (&b"key"[..], &b"kez"[..]));
        assert!(p.create.prev_kv);
        // With a third argument etcdctl takes neither it nor the range end: one key.
        let p = plan_of(&["a", "b", "c"], &none).unwrap();
        assert_eq!(range(&p), (&b"a"[..], &b""[..]));
        let p = plan_of(&["", "--prefix"], &none).unwrap();
        assert_eq!(range(&p), (&b"\0"[..], &b"\0"[..]));
    }

    #[test]
    fn argument_errors() {
        let none = env("", "");
        let message = |argv: &[&str], env: &WatchEnv| plan_of(argv, env).unwrap_err().message;
        assert_eq!(message(&[], &none), BAD_ARGS_NUM);
        assert_eq!(message(&["--rev", "1"], &none), BAD_ARGS_NUM);
        assert_eq!(message(&["--", "echo"], &none), BAD_ARGS_NUM);
        assert_eq!(message(&["foo", "bar", "--"], &none), NO_COMMAND);
        // A negative revision is refused before any request, with a hint for a missing key.
        assert!(message(&["k", "--rev", "-5"], &none).starts_with("--rev -5 is negative"));
        assert!(plan_of(&[], &none).unwrap_err().hint.is_some());
        match interpret_line(b"watch k --rev -5", &none) {
            Ok(LineRequest::Invalid(line)) => assert!(
                String::from_utf8_lossy(&line).contains("--rev -5 is negative"),
                "{line:?}"
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(message(&["foo"], &env("foo", "")), CONFLICTING_ENV);
        assert_eq!(
            message(&["foo", "bar"], &env("foo", "bar")),
            CONFLICTING_ENV
        );
        assert_eq!(
            message(&["foo", "bar", "--", "echo"], &env("foo", "")),
            CONFLICTING_ENV
        );
        assert_eq!(
            message(&["a", "b", "--prefix"], &none),
            "`range_end` and `--prefix` are mutually exclusive"
        );
        assert_eq!(
            message(&["a"], &env("", "x")),
            "ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=\"x\""
        );
        assert_eq!(plan_of(&[], &none).unwrap_err().code, ExitCode::BadArgs);
    }

    #[test]
    fn interactive_lines() {
        let none = env("", "");
        let watch = |line: &str, env: &WatchEnv| match interpret_line(line.as_bytes(), env) {
            Ok(LineRequest::Watch(plan)) => plan,
            other => panic!("{line}: {other:?}"),
        };
        let p = watch("watch foo --rev 1 -- echo Hello World", &none);
        assert_eq!(range(&p), (&b"foo"[..], &b""[..]));
        assert_eq!((p.create.start_revision, p.exec.len()), (1, 3));
        let p = watch("watch --rev 5 --prev-kv \"hello world!\" bar", &none);
        assert_eq!(range(&p), (&b"hello world!"[..], &b"bar"[..]));
        assert!(p.create.prev_kv);
        let p = watch("watch --rev 1 --prefix", &env("foo", ""));
        assert_eq!(range(&p), (&b"foo"[..], &b"fop"[..]));
        // With a command, the environment's key and the line's both count (etcdctl's check
        // for conflicts is skipped there).
        let p = watch("watch bar -- echo", &env("foo", ""));
        assert_eq!(range(&p), (&b"foo"[..], &b"bar"[..]));
        assert_eq!(
            interpret_line(b"progress", &none).unwrap(),
            LineRequest::Progress
        );
        let invalid = |line: &str| match interpret_line(line.as_bytes(), &none).unwrap() {
            LineRequest::Invalid(message) => String::from_utf8(message).unwrap(),
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            invalid(""),
            "Invalid command:  (watch and progress supported)"
        );
        assert_eq!(
            invalid("get a"),
            "Invalid command get a (only support watch)"
        );
        assert_eq!(
            invalid("watch"),
            "Invalid command watch (command type or key is not provided)"
        );
        assert_eq!(
            invalid("watch a b --prefix"),
            "Invalid command watch a b --prefix (`range_end` and `--prefix` are mutually exclusive)"
        );
        assert_eq!(
            invalid("watch -- echo"),
            "Invalid command watch -- echo (bad number of arguments)"
        );
        let fatal = |line: &str, env: &WatchEnv| interpret_line(line.as_bytes(), env).unwrap_err();
        assert_eq!(fatal("watch --rev 1", &none).message, BAD_ARGS_NUM);
        assert_eq!(fatal("watch foo --", &none).message, NO_COMMAND);
        assert_eq!(fatal("watch foo", &env("foo", "")).message, CONFLICTING_ENV);
        assert_eq!(fatal("watch --bogus x", &none).code, ExitCode::BadArgs);
        assert_eq!(fatal("watch \"\\q\"", &none).code, ExitCode::InvalidInput);
    }
}
