//! The v3 parse tree: the top level (ectl's name, version, help and the global flags) joined to
//! the registry's commands, rewritten by [`cli::etcdctl_tree`] to parse as etcdctl's, and the
//! parse itself. The full tree feeds help, completions and man pages; a parse builds only the
//! commands its command word may name.

use std::ffi::{OsStr, OsString};

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use super::{Command, GROUPS};
use crate::cli::{self, GlobalArgs};

/// A parsed v3 command line.
#[derive(Debug)]
pub struct Cli {
    pub global: GlobalArgs,
    pub command: Command,
}

/// The top level of the v3 tree: ectl's name, version and help, and the global flags. The
/// commands are added by [`command_with_env`] (all of them) or [`parsing_tree`] (those a
/// command line may name).
#[derive(Parser)]
#[command(
    name = "ectl",
    version,
    about = "A fast, faithful etcd v3 command-line client (drop-in for etcdctl)",
    after_help = "`ectl version` prints etcdctl's version lines (etcdctl version: 3.4.23, API \
                  version: 3.4), for the scripts that parse them; `ectl --version` prints \
                  ectl's own version.\nEvery command's own options come first in its help \
                  (`ectl <command> -h`), then the global options, which may come before or \
                  after the command.",
    infer_subcommands = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
struct TopLevel {
    #[command(flatten)]
    global: GlobalArgs,
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

/// The v3 command tree as ectl parses it, with `env` the environment lookup (the process's in
/// [`parse`]): the derived definitions rewritten by [`cli::etcdctl_tree`] to parse as etcdctl's,
/// and the top-level help listing the commands in [`GROUPS`].
///
/// Completions and man pages should be generated from this.
pub fn command_with_env(env: &dyn Fn(&OsStr) -> Option<OsString>) -> clap::Command {
    cli::grouped(ungrouped_tree(env), GROUPS)
}

/// [`command_with_env`] without the grouped listing, which costs building every command once
/// more: for what never shows the top-level help.
fn ungrouped_tree(env: &dyn Fn(&OsStr) -> Option<OsString>) -> clap::Command {
    let all = TopLevel::command().subcommands(commands().get_subcommands().cloned());
    cli::etcdctl_tree(all, ETCDCTL_COMMANDS, env, &[])
}

/// The whole tree as live completion reads it (at every Tab), with the process environment;
/// `--context` completes the names in the contexts file (added here: `cli` knows no command).
pub fn completion_tree() -> clap::Command {
    ungrouped_tree(&|name| std::env::var_os(name)).mut_arg("context", |arg| {
        arg.add(clap_complete::engine::ArgValueCompleter::new(
            super::context::ContextNames,
        ))
    })
}

/// A command holding every command of the registry, unbuilt (their arguments deferred).
fn commands() -> clap::Command {
    Command::augment_subcommands(clap::Command::new("commands"))
}

/// The tree for parsing `argv`: [`command_with_env`] with only the commands its command word
/// may name (`ge` names `get`), unbuilt until the parse builds the one it names, and without
/// the grouped listing. Every global flag is copied into every command of a tree when it is
/// built, and each listed summary costs building its command: a tree of one command costs a
/// fraction of the whole. The variables of the global args `unread` are ignored.
fn parsing_tree(
    argv: &[OsString],
    env: &dyn Fn(&OsStr) -> Option<OsString>,
    unread: &[&'static str],
) -> clap::Command {
    let top = TopLevel::command();
    let word = cli::command_word(&top, argv);
    let named =
        |name: &str| word.is_some_and(|word| name.as_bytes().starts_with(word.as_encoded_bytes()));
    let all = commands();
    let top = top.subcommands(
        all.get_subcommands()
            .filter(|sub| named(sub.get_name()))
            .cloned(),
    );
    let reserved: Vec<&'static str> = ETCDCTL_COMMANDS
        .iter()
        .copied()
        .filter(|n| named(n))
        .collect();
    cli::etcdctl_tree(top, &reserved, env, unread)
}

/// [`command_with_env`] with the process environment.
pub fn command() -> clap::Command {
    command_with_env(&|name| std::env::var_os(name))
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
    let mut cmd = parsing_tree(&argv, env, &[]);
    // Help, and the usage errors that list commands or suggest one, show the whole tree: the
    // line is parsed again with it, whose answer is the one that counts.
    let mut matches = match cmd.try_get_matches_from_mut(&argv) {
        Ok(matches) => matches,
        Err(_) => {
            cmd = command_with_env(env);
            if let Some(e) = cli::unknown_command_after_unknown_flag(&cmd, &argv) {
                return Err(e);
            }
            cmd.try_get_matches_from_mut(&argv)?
        }
    };
    let unread: Vec<&'static str> = ENV_READ_TOO_LATE
        .iter()
        .filter(|(command, id)| {
            matches.subcommand_name() == Some(command)
                && matches.value_source(id) == Some(clap::parser::ValueSource::EnvVariable)
        })
        .map(|(_, id)| *id)
        .collect();
    if !unread.is_empty() {
        cmd = parsing_tree(&argv, env, &unread);
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
    // `--endpoints` given before and after the command: pflag appends, clap keeps the last.
    let endpoints = cli::global_values_in_order(&cmd, &matches, &argv, "endpoints");
    // The top level's own arguments only: the globals (`matches.ids()` also lists ids that
    // `value_source` does not know at this level).
    let explicit = cmd
        .get_arguments()
        .map(|arg| arg.get_id().as_str())
        .filter(|id| {
            matches!(
                matches.value_source(id),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            )
        })
        .map(str::to_string)
        .collect();
    // The matches are read above and taken apart here: the non-`_mut` readers would copy the
    // whole tree of matches for each of the two types, a tenth of `ectl version`'s work.
    let mut cli = TopLevel::from_arg_matches_mut(&mut matches)
        .and_then(|top| {
            Ok(Cli {
                global: top.global,
                command: Command::from_arg_matches_mut(&mut matches)?,
            })
        })
        .map_err(|e| e.format(&mut cmd))?;
    if let Some(endpoints) = endpoints {
        cli.global.endpoints = endpoints;
    }
    cli.global.explicit = explicit;
    // `--print-curl`'s variable by its former name (see `settings::RENAMED_VARS`); clap reads
    // only the new one.
    if !cli.global.explicit.iter().any(|id| id == "print_curl")
        && let Some(on) = crate::settings::ectl_var("ECTL_PRINT_CURL", env)
            .and_then(|v| cli::values::go_bool(&v.to_string_lossy()).ok())
    {
        cli.global.print_curl = on;
        cli.global.explicit.push("print_curl".into());
    }
    Ok(cli)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cli::Etcdctl;
    use clap::error::ErrorKind;
    use std::any::TypeId;
    use std::time::Duration;

    pub(crate) fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
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
        let Command::Get(Etcdctl(get)) = parse(&[
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
        assert_eq!((get.limit, get.range.prefix), (2, true));
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
        assert_eq!(cli.global.dial_timeout.0, Duration::ZERO);
        let Command::Get(Etcdctl(get)) = cli.command else {
            panic!("not get");
        };
        assert_eq!((get.limit, get.range.rev), (-1, -2));
        let Command::Put(Etcdctl(put)) = parse(&["put", "k", "v", "--lease", "--prev-kv"])
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
    fn every_flag_of_every_command_takes_its_value_as_pflag_does() {
        fn check(cmd: &clap::Command, path: &str, wrong: &mut Vec<String>) {
            for arg in cmd.get_arguments().filter(|arg| !arg.is_positional()) {
                let pflag_like = if arg.get_value_parser().type_id() == TypeId::of::<bool>() {
                    arg.is_require_equals_set() && arg.get_num_args() == Some((0..=1).into())
                } else {
                    !arg.get_action().takes_values() || arg.is_allow_hyphen_values_set()
                };
                if !pflag_like {
                    wrong.push(format!("{path} --{}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                check(sub, &format!("{path} {}", sub.get_name()), wrong);
            }
        }
        let mut cmd = command_with_env(&|_| None);
        cmd.build();
        let mut wrong = Vec::new();
        check(&cmd, "ectl", &mut wrong);
        assert!(wrong.is_empty(), "{wrong:?}");
        assert!(cmd.find_subcommand("get").is_some_and(|get| {
            get.get_arguments()
                .any(|arg| arg.get_id() == "prefix" && arg.is_require_equals_set())
        }));
    }

    #[test]
    fn every_commands_help_shows_an_example() {
        // clap's own `help` subcommands and etcdctl's reserved names need no examples.
        fn documented(cmd: &clap::Command) -> bool {
            !cmd.is_hide_set() && cmd.get_name() != "help"
        }
        fn check(cmd: &mut clap::Command, path: &str, missing: &mut Vec<String>) {
            let name = format!("{path} {}", cmd.get_name());
            if !cmd.render_long_help().to_string().contains("  ectl ") {
                missing.push(name.clone());
            }
            for sub in cmd.get_subcommands_mut().filter(|s| documented(s)) {
                check(sub, &name, missing);
            }
        }
        let mut root = command();
        root.build();
        let mut missing = Vec::new();
        for sub in root.get_subcommands_mut().filter(|s| documented(s)) {
            check(sub, "ectl", &mut missing);
        }
        assert!(missing.is_empty(), "no example in the help of: {missing:?}");
    }

    #[test]
    fn the_help_lists_groups_with_each_commands_summary() {
        let help = command().render_help().to_string();
        assert!(help.contains("Key-value commands:\n  get"), "{help}");
        assert!(help.contains("Concurrency commands:\n  lock"), "{help}");
        assert!(help.contains("Gets the key or a range of keys"), "{help}");
        assert!(help.contains("Options:\n"), "{help}");
    }
}
