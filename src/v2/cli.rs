//! The v2 command tree and its pure parse step: arguments + environment -> an [`Invocation`],
//! with urfave's usage errors, help screens and exit codes decided before any runtime starts.

use std::time::Duration;

use super::error::Exit;
use super::flags::{self, Flag, HELP, Kind, Parsed};
use crate::cli::ETCDCTL_VERSION;

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Backup,
    ClusterHealth,
    Mk,
    Mkdir,
    Rm,
    Rmdir,
    Get,
    Ls,
    Set,
    Setdir,
    Update,
    Updatedir,
    Watch,
    ExecWatch,
    MemberList,
    MemberAdd,
    MemberRemove,
    MemberUpdate,
    UserAdd,
    UserGet,
    UserList,
    UserRemove,
    UserGrant,
    UserRevoke,
    UserPasswd,
    RoleAdd,
    RoleGet,
    RoleList,
    RoleRemove,
    RoleGrant,
    RoleRevoke,
    AuthEnable,
    AuthDisable,
}

/// One node of the command tree: a command (`cmd`) or a group of `sub`commands.
pub struct Command {
    pub name: &'static str,
    pub usage: &'static str,
    pub args_usage: &'static str,
    pub description: &'static str,
    pub flags: &'static [Flag],
    pub sub: &'static [Command],
    pub cmd: Option<Cmd>,
}

const fn leaf(
    name: &'static str,
    cmd: Cmd,
    usage: &'static str,
    args_usage: &'static str,
    flags: &'static [Flag],
) -> Command {
    Command {
        name,
        usage,
        args_usage,
        description: "",
        flags,
        sub: &[],
        cmd: Some(cmd),
    }
}

const fn group(name: &'static str, usage: &'static str, sub: &'static [Command]) -> Command {
    Command {
        name,
        usage,
        args_usage: "",
        description: "",
        flags: &[],
        sub,
        cmd: None,
    }
}

const TTL: Flag = Flag::new("ttl", Kind::Int, "key time-to-live in seconds");
const SORT: Flag = Flag::new("sort", Kind::Bool, "returns result in sorted order");
const QUORUM: Flag = Flag::new("quorum, q", Kind::Bool, "require quorum for get request");
const AFTER_INDEX: Flag = Flag::new("after-index", Kind::Int, "watch after the given index");
const ROLES: Flag = Flag::new("roles", Kind::Slice, "List of roles to grant or revoke");

const GLOBAL: &[Flag] = &[
    Flag::new(
        "debug",
        Kind::Bool,
        "output cURL commands which can be used to reproduce the request",
    ),
    Flag::new(
        "no-sync",
        Kind::Bool,
        "don't synchronize cluster information before sending request",
    ),
    Flag::new(
        "output, o",
        Kind::Str,
        "output response in the given format (`simple`, `extended` or `json`)",
    )
    .with_default("simple"),
    Flag::new(
        "discovery-srv, D",
        Kind::Str,
        "domain name to query for SRV records describing cluster endpoints",
    ),
    Flag::new(
        "insecure-discovery",
        Kind::Bool,
        "accept insecure SRV records describing cluster endpoints",
    ),
    Flag::new(
        "peers, C",
        Kind::Str,
        "DEPRECATED - \"--endpoints\" should be used instead",
    ),
    Flag::new(
        "endpoint",
        Kind::Str,
        "DEPRECATED - \"--endpoints\" should be used instead",
    ),
    Flag::new(
        "endpoints",
        Kind::Str,
        "a comma-delimited list of machine addresses in the cluster (default: \"http://127.0.0.1:2379,http://127.0.0.1:4001\")",
    ),
    Flag::new(
        "cert-file",
        Kind::Str,
        "identify HTTPS client using this SSL certificate file",
    ),
    Flag::new(
        "key-file",
        Kind::Str,
        "identify HTTPS client using this SSL key file",
    ),
    Flag::new(
        "ca-file",
        Kind::Str,
        "verify certificates of HTTPS-enabled servers using this CA bundle",
    ),
    Flag::new(
        "username, u",
        Kind::Str,
        "provide username[:password] and prompt if password is not supplied.",
    ),
    Flag::new("timeout", Kind::Duration, "connection timeout per request").with_default("2s"),
    Flag::new(
        "total-timeout",
        Kind::Duration,
        "timeout for the command execution (except watch)",
    )
    .with_default("5s"),
    HELP,
    Flag::new("version, v", Kind::Bool, "print the version"),
];

const SET_DESCRIPTION: &str = "Set sets the value of a key.

   When <value> begins with '-', <value> is interpreted as a flag.
   Insert '--' for workaround:

   $ set -- <key> <value>";

/// The tree in etcdctl's order (the help lists commands in it).
pub const COMMANDS: &[Command] = &[
    leaf(
        "backup",
        Cmd::Backup,
        "backup an etcd directory",
        " ",
        &[
            Flag::new("data-dir", Kind::Str, "Path to the etcd data dir"),
            Flag::new("wal-dir", Kind::Str, "Path to the etcd wal dir"),
            Flag::new("backup-dir", Kind::Str, "Path to the backup dir"),
            Flag::new("backup-wal-dir", Kind::Str, "Path to the backup wal dir"),
            Flag::new("with-v3", Kind::Bool, "Backup v3 backend data"),
        ],
    ),
    leaf(
        "cluster-health",
        Cmd::ClusterHealth,
        "check the health of the etcd cluster",
        " ",
        &[Flag::new(
            "forever, f",
            Kind::Bool,
            "forever check the health every 10 second until CTRL+C",
        )],
    ),
    leaf(
        "mk",
        Cmd::Mk,
        "make a new key with a given value",
        "<key> <value>",
        &[
            Flag::new(
                "in-order",
                Kind::Bool,
                "create in-order key under directory <key>",
            ),
            TTL,
        ],
    ),
    leaf("mkdir", Cmd::Mkdir, "make a new directory", "<key>", &[TTL]),
    leaf(
        "rm",
        Cmd::Rm,
        "remove a key or a directory",
        "<key>",
        &[
            Flag::new(
                "dir",
                Kind::Bool,
                "removes the key if it is an empty directory or a key-value pair",
            ),
            Flag::new(
                "recursive, r",
                Kind::Bool,
                "removes the key and all child keys(if it is a directory)",
            ),
            Flag::new("with-value", Kind::Str, "previous value"),
            Flag::new("with-index", Kind::Int, "previous index"),
        ],
    ),
    leaf(
        "rmdir",
        Cmd::Rmdir,
        "removes the key if it is an empty directory or a key-value pair",
        "<key>",
        &[],
    ),
    leaf(
        "get",
        Cmd::Get,
        "retrieve the value of a key",
        "<key>",
        &[SORT, QUORUM],
    ),
    leaf(
        "ls",
        Cmd::Ls,
        "retrieve a directory",
        "[key]",
        &[
            SORT,
            Flag::new(
                "recursive, r",
                Kind::Bool,
                "returns all key names recursively for the given path",
            ),
            Flag::new("p", Kind::Bool, "append slash (/) to directories"),
            QUORUM,
        ],
    ),
    Command {
        description: SET_DESCRIPTION,
        ..leaf(
            "set",
            Cmd::Set,
            "set the value of a key",
            "<key> <value>",
            &[
                TTL,
                Flag::new("swap-with-value", Kind::Str, "previous value"),
                Flag::new("swap-with-index", Kind::Int, "previous index"),
            ],
        )
    },
    leaf(
        "setdir",
        Cmd::Setdir,
        "create a new directory or update an existing directory TTL",
        "<key>",
        &[TTL],
    ),
    leaf(
        "update",
        Cmd::Update,
        "update an existing key with a given value",
        "<key> <value>",
        &[TTL],
    ),
    leaf(
        "updatedir",
        Cmd::Updatedir,
        "update an existing directory",
        "<key> <value>",
        &[TTL],
    ),
    leaf(
        "watch",
        Cmd::Watch,
        "watch a key for changes",
        "<key>",
        &[
            Flag::new("forever, f", Kind::Bool, "forever watch a key until CTRL+C"),
            AFTER_INDEX,
            Flag::new(
                "recursive, r",
                Kind::Bool,
                "returns all values for key and child keys",
            ),
        ],
    ),
    leaf(
        "exec-watch",
        Cmd::ExecWatch,
        "watch a key for changes and exec an executable",
        "<key> <command> [args...]",
        &[
            AFTER_INDEX,
            Flag::new(
                "recursive, r",
                Kind::Bool,
                "watch all values for key and child keys",
            ),
        ],
    ),
    group(
        "member",
        "member add, remove and list subcommands",
        &[
            leaf(
                "list",
                Cmd::MemberList,
                "enumerate existing cluster members",
                " ",
                &[],
            ),
            leaf(
                "add",
                Cmd::MemberAdd,
                "add a new member to the etcd cluster",
                "<name> <peerURL>",
                &[],
            ),
            leaf(
                "remove",
                Cmd::MemberRemove,
                "remove an existing member from the etcd cluster",
                "<memberID>",
                &[],
            ),
            leaf(
                "update",
                Cmd::MemberUpdate,
                "update an existing member in the etcd cluster",
                "<memberID> <peerURLs>",
                &[],
            ),
        ],
    ),
    group(
        "user",
        "user add, grant and revoke subcommands",
        &[
            leaf(
                "add",
                Cmd::UserAdd,
                "add a new user for the etcd cluster",
                "<user>",
                &[],
            ),
            leaf("get", Cmd::UserGet, "get details for a user", "<user>", &[]),
            leaf(
                "list",
                Cmd::UserList,
                "list all current users",
                "<user>",
                &[],
            ),
            leaf(
                "remove",
                Cmd::UserRemove,
                "remove a user for the etcd cluster",
                "<user>",
                &[],
            ),
            leaf(
                "grant",
                Cmd::UserGrant,
                "grant roles to an etcd user",
                "<user>",
                &[ROLES],
            ),
            leaf(
                "revoke",
                Cmd::UserRevoke,
                "revoke roles for an etcd user",
                "<user>",
                &[ROLES],
            ),
            leaf(
                "passwd",
                Cmd::UserPasswd,
                "change password for a user",
                "<user>",
                &[],
            ),
        ],
    ),
    group(
        "role",
        "role add, grant and revoke subcommands",
        &[
            leaf(
                "add",
                Cmd::RoleAdd,
                "add a new role for the etcd cluster",
                "<role> ",
                &[],
            ),
            leaf("get", Cmd::RoleGet, "get details for a role", "<role>", &[]),
            leaf("list", Cmd::RoleList, "list all roles", " ", &[]),
            leaf(
                "remove",
                Cmd::RoleRemove,
                "remove a role from the etcd cluster",
                "<role>",
                &[],
            ),
            leaf(
                "grant",
                Cmd::RoleGrant,
                "grant path matches to an etcd role",
                "<role>",
                &[
                    Flag::new("path", Kind::Str, "Path granted for the role to access"),
                    Flag::new("read", Kind::Bool, "Grant read-only access"),
                    Flag::new("write", Kind::Bool, "Grant write-only access"),
                    Flag::new("readwrite, rw", Kind::Bool, "Grant read-write access"),
                ],
            ),
            leaf(
                "revoke",
                Cmd::RoleRevoke,
                "revoke path matches for an etcd role",
                "<role>",
                &[
                    Flag::new("path", Kind::Str, "Path revoked for the role to access"),
                    Flag::new("read", Kind::Bool, "Revoke read access"),
                    Flag::new("write", Kind::Bool, "Revoke write access"),
                    Flag::new("readwrite, rw", Kind::Bool, "Revoke read-write access"),
                ],
            ),
        ],
    ),
    group(
        "auth",
        "overall auth controls",
        &[
            leaf(
                "enable",
                Cmd::AuthEnable,
                "enable auth access controls",
                " ",
                &[],
            ),
            leaf(
                "disable",
                Cmd::AuthDisable,
                "disable auth access controls",
                " ",
                &[],
            ),
        ],
    ),
];

/// The global settings, resolved from flags and the `ETCDCTL_*` variables etcdctl's v2 code
/// reads itself (urfave declares no environment twins for these flags).
#[derive(Debug, Clone)]
pub struct Global {
    pub debug: bool,
    pub no_sync: bool,
    pub output: String,
    pub discovery_srv: Option<String>,
    pub insecure_discovery: bool,
    /// Endpoints as given, before URL parsing (which fails only once a command needs a client).
    pub endpoints: Vec<String>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub ca_file: Option<String>,
    pub username: Option<String>,
    pub timeout: Duration,
    pub total_timeout: Duration,
}

/// A command to run: the global settings, which command, its flags and positionals.
#[derive(Debug, Clone)]
pub struct Run {
    pub global: Global,
    pub cmd: Cmd,
    pub flags: Parsed,
    pub args: Vec<String>,
}

/// The outcome of parsing: text for stdout (help, version) or a command to run.
#[derive(Debug, Clone)]
pub enum Invocation {
    Print(String),
    Run(Box<Run>),
}

/// Parses `args` (without the program name) as Debian's etcdctl 3.4.23 does with `ETCDCTL_API=2`.
pub fn parse(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Result<Invocation, Exit> {
    let global = flags::parse(GLOBAL, args)
        .map_err(|e| Exit::usage(format!("Incorrect Usage. {e}\n\n{}", app_help()), e))?;
    if global.bool("help") {
        return Ok(Invocation::Print(app_help()));
    }
    if global.bool("version") {
        return Ok(Invocation::Print(format!(
            "etcdctl version: {ETCDCTL_VERSION}\nAPI version: 2\n"
        )));
    }
    let Some((name, rest)) = global.args.split_first() else {
        return Ok(Invocation::Print(app_help()));
    };
    if name == "help" || name == "h" {
        return help_topic(COMMANDS, rest.first(), app_help, |c| command_help(c, &[]));
    }
    let settings = settings(&global, env);
    let command = lookup(COMMANDS, name)?;
    run_command(command, &[], rest, settings)
}

fn lookup<'a>(commands: &'a [Command], name: &str) -> Result<&'a Command, Exit> {
    commands
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| no_help_topic(name))
}

fn no_help_topic(name: &str) -> Exit {
    Exit::new(3, format!("No help topic for '{name}'"))
}

/// `help [topic]`: the level's own help, or one command's.
fn help_topic(
    commands: &[Command],
    topic: Option<&String>,
    level_help: impl Fn() -> String,
    one: impl Fn(&Command) -> String,
) -> Result<Invocation, Exit> {
    match topic {
        None => Ok(Invocation::Print(level_help())),
        Some(name) => Ok(Invocation::Print(one(lookup(commands, name)?))),
    }
}

fn run_command(
    command: &'static Command,
    parents: &[&str],
    args: &[String],
    global: Global,
) -> Result<Invocation, Exit> {
    if !command.sub.is_empty() {
        let path: Vec<&str> = parents.iter().copied().chain([command.name]).collect();
        let level = flags::parse(&[HELP], args).map_err(|e| {
            Exit::usage(
                format!(
                    "Incorrect Usage. {e}\n\n{}",
                    group_help(command, &path[..path.len() - 1])
                ),
                e,
            )
        })?;
        let group_help_text = || group_help(command, &path[..path.len() - 1]);
        if level.bool("help") {
            return Ok(Invocation::Print(group_help_text()));
        }
        let Some((name, rest)) = level.args.split_first() else {
            return Ok(Invocation::Print(group_help_text()));
        };
        if name == "help" || name == "h" {
            let app_help = || subapp_help(command, &path[..path.len() - 1]);
            return help_topic(command.sub, rest.first(), app_help, |c| {
                command_help(c, &path)
            });
        }
        let sub = lookup(command.sub, name)?;
        return run_command(sub, &path, rest, global);
    }
    let mut all_flags: Vec<Flag> = command.flags.to_vec();
    all_flags.push(HELP);
    let reordered = flags::reorder(&all_flags, args);
    let parsed = flags::parse(&all_flags, &reordered).map_err(|e| {
        Exit::usage(
            format!("Incorrect Usage: {e}\n\n{}", command_help(command, parents)),
            e,
        )
    })?;
    if parsed.bool("help") {
        return Ok(Invocation::Print(command_help(command, parents)));
    }
    let cmd = command
        .cmd
        .expect("a command without subcommands has an action");
    let args = parsed.args.clone();
    Ok(Invocation::Run(Box::new(Run {
        global,
        cmd,
        flags: parsed,
        args,
    })))
}

fn settings(global: &Parsed, env: &dyn Fn(&str) -> Option<String>) -> Global {
    let flag_or_env = |flag: &str, var: &str| {
        global
            .string(flag)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .or_else(|| env(var).filter(|s| !s.is_empty()))
    };
    // etcdctl's precedence: each flag before its variable, newer names before older ones.
    let endpoints = flag_or_env("endpoints", "ETCDCTL_ENDPOINTS")
        .or_else(|| flag_or_env("endpoint", "ETCDCTL_ENDPOINT"))
        .or_else(|| flag_or_env("peers", "ETCDCTL_PEERS"))
        .unwrap_or_else(|| "http://127.0.0.1:2379,http://127.0.0.1:4001".to_string());
    Global {
        debug: global.bool("debug"),
        no_sync: global.bool("no-sync"),
        output: global.string("output").unwrap_or("simple").to_string(),
        discovery_srv: flag_or_env("discovery-srv", "ETCDCTL_DISCOVERY_SRV"),
        insecure_discovery: global.bool("insecure-discovery")
            || env("ETCDCTL_INSECURE_DISCOVERY").is_some_and(|v| !v.is_empty()),
        endpoints: endpoints.split(',').map(str::to_string).collect(),
        cert_file: flag_or_env("cert-file", "ETCDCTL_CERT_FILE"),
        key_file: flag_or_env("key-file", "ETCDCTL_KEY_FILE"),
        ca_file: flag_or_env("ca-file", "ETCDCTL_CA_FILE"),
        username: flag_or_env("username", "ETCDCTL_USERNAME"),
        timeout: global.duration("timeout").unwrap_or(Duration::from_secs(2)),
        total_timeout: global
            .duration("total-timeout")
            .unwrap_or(Duration::from_secs(5)),
    }
}

fn indent_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("   {l}\n"))
        .collect::<String>()
}

fn command_rows(commands: &[Command], with_help: bool) -> Vec<String> {
    let mut rows: Vec<String> = commands
        .iter()
        .map(|c| format!("{}\t{}", c.name, c.usage))
        .collect();
    if with_help {
        rows.push("help, h\tShows a list of commands or help for one command".to_string());
    }
    rows
}

/// urfave's application help.
pub fn app_help() -> String {
    let text = format!(
        "NAME:\n   etcdctl - A simple command line client for etcd.\n\n\
         USAGE:\n   etcdctl [global options] command [command options] [arguments...]\n\n\
         VERSION:\n   {ETCDCTL_VERSION}\n\n\
         COMMANDS:\n{}\n\
         GLOBAL OPTIONS:\n{}",
        indent_lines(&command_rows(COMMANDS, true)),
        indent_lines(&flags::flag_lines(GLOBAL)),
    );
    flags::tabwrite(&text)
}

fn help_name(command: &Command, parents: &[&str]) -> String {
    let mut name = String::from("etcdctl");
    for p in parents {
        name.push(' ');
        name.push_str(p);
    }
    name.push(' ');
    name.push_str(command.name);
    name
}

/// urfave's help for one command (a group too, when asked as `help GROUP`).
pub fn command_help(command: &Command, parents: &[&str]) -> String {
    let name = help_name(command, parents);
    let mut text = format!("NAME:\n   {name} - {}\n\nUSAGE:\n   {name}", command.usage);
    if !command.flags.is_empty() {
        text.push_str(" [command options]");
    }
    text.push(' ');
    text.push_str(if command.args_usage.is_empty() {
        "[arguments...]"
    } else {
        command.args_usage
    });
    if !command.description.is_empty() {
        text.push_str("\n\nDESCRIPTION:\n   ");
        text.push_str(command.description);
    }
    if !command.flags.is_empty() {
        text.push_str("\n\nOPTIONS:\n");
        text.push_str(&indent_lines(&flags::flag_lines(command.flags)));
        text.push_str("   ");
    }
    text.push('\n');
    flags::tabwrite(&text)
}

/// `GROUP help`: urfave runs the group as an application of its own and shows that one's help.
fn subapp_help(command: &Command, parents: &[&str]) -> String {
    let name = help_name(command, parents);
    let text = format!(
        "NAME:\n   {name} - {}\n\nUSAGE:\n   {name} [global options] command [command options] [arguments...]\n\n\
         VERSION:\n   {ETCDCTL_VERSION}\n\nCOMMANDS:\n{}\nGLOBAL OPTIONS:\n{}",
        command.usage,
        indent_lines(&command_rows(command.sub, false)),
        indent_lines(&flags::flag_lines(&[HELP])),
    );
    flags::tabwrite(&text)
}

/// urfave's help for a group of subcommands.
fn group_help(command: &Command, parents: &[&str]) -> String {
    let name = help_name(command, parents);
    let text = format!(
        "NAME:\n   {name} - {}\n\nUSAGE:\n   {name} command [command options] [arguments...]\n\n\
         COMMANDS:\n{}\nOPTIONS:\n{}   \n",
        command.usage,
        indent_lines(&command_rows(command.sub, false)),
        indent_lines(&flags::flag_lines(&[HELP])),
    );
    flags::tabwrite(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Invocation, Exit> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, &|_| None)
    }

    fn run(args: &[&str]) -> Run {
        match parse_args(args) {
            Ok(Invocation::Run(run)) => *run,
            other => panic!("not a command: {other:?}"),
        }
    }

    #[test]
    fn flags_after_positionals_and_global_defaults() {
        let r = run(&["set", "k", "--ttl", "5", "v"]);
        assert_eq!((r.cmd, r.flags.int("ttl")), (Cmd::Set, 5));
        assert_eq!(r.args, ["k", "v"]);
        assert_eq!(
            r.global.endpoints,
            ["http://127.0.0.1:2379", "http://127.0.0.1:4001"]
        );
        assert_eq!(r.global.timeout, Duration::from_secs(2));
        let r = run(&["-o", "json", "member", "list"]);
        assert_eq!((r.cmd, r.global.output.as_str()), (Cmd::MemberList, "json"));
    }

    #[test]
    fn usage_errors_and_unknown_commands() {
        let e = parse_args(&["get", "-x", "k"]).unwrap_err();
        assert_eq!(
            (e.code, e.stderr.as_str()),
            (1, "flag provided but not defined: -x")
        );
        assert!(e.stdout.starts_with(
            "Incorrect Usage: flag provided but not defined: -x\n\nNAME:\n   etcdctl get - "
        ));
        let e = parse_args(&["bogus"]).unwrap_err();
        assert_eq!(
            (e.code, e.stderr.as_str()),
            (3, "No help topic for 'bogus'")
        );
        let e = parse_args(&["member", "bogus"]).unwrap_err();
        assert_eq!(e.code, 3);
    }

    #[test]
    fn endpoint_precedence() {
        let env = |k: &str| match k {
            "ETCDCTL_ENDPOINT" => Some("http://e:1".to_string()),
            "ETCDCTL_PEERS" => Some("http://p:1".to_string()),
            _ => None,
        };
        let args: Vec<String> = ["--peers", "http://flag:1", "ls"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let Ok(Invocation::Run(r)) = parse(&args, &env) else {
            panic!()
        };
        assert_eq!(r.global.endpoints, ["http://e:1"]);
    }

    #[test]
    fn help_screens() {
        let Ok(Invocation::Print(text)) = parse_args(&["get", "--help"]) else {
            panic!()
        };
        assert_eq!(
            text,
            "NAME:\n   etcdctl get - retrieve the value of a key\n\nUSAGE:\n   etcdctl get [command options] <key>\n\n\
             OPTIONS:\n   --sort        returns result in sorted order\n   --quorum, -q  require quorum for get request\n   \n"
        );
        let Ok(Invocation::Print(text)) = parse_args(&["member", "add", "-h"]) else {
            panic!()
        };
        assert_eq!(
            text,
            "NAME:\n   etcdctl member add - add a new member to the etcd cluster\n\nUSAGE:\n   etcdctl member add <name> <peerURL>\n"
        );
    }
}
