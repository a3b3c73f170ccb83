//! `context add|delete|rename|list|show|use|current` (ectl only): the named contexts of `config.toml` (see
//! [`crate::contexts`]). They read and write only the file, never a server.

use std::ffi::OsStr;
use std::io::Write;

use clap::{Args, Subcommand};
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate, ValueCompleter};

use crate::cli::GlobalArgs;
use crate::contexts;
use crate::error::CliError;
use crate::term;

/// Adds, lists, shows and selects named contexts (ectl only)
///
/// Contexts live in $XDG_CONFIG_HOME/ectl/config.toml (else ~/.config/ectl/config.toml):
///
///   current-context = "prod"
///   [contexts.prod]
///   endpoints = ["https://10.0.0.1:2379"]
///   cacert = "/etc/etcd/ca.pem"
///   user = "admin"            # its password: the prompt, ETCDCTL_PASSWORD, or --save-password
///   dial-timeout = "5s"
///
/// Flags and ETCDCTL_* variables always win over the context.
///
/// Examples:
///   ectl context add prod --endpoints=https://10.0.0.1:2379 --cacert=ca.pem --user=admin
///   ectl context list
///   ectl context use prod
///   ectl --context staging get --prefix /app
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct ContextArgs {
    #[command(subcommand)]
    pub command: ContextCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ContextCommand {
    /// Lists the contexts; `*` marks the current one
    List,
    /// Shows a context's settings (default: the current one)
    Show {
        #[arg(add = ArgValueCompleter::new(ContextNames))]
        name: Option<String>,
    },
    /// Makes NAME the current context (the file's comments are kept)
    Use {
        #[arg(add = ArgValueCompleter::new(ContextNames))]
        name: String,
    },
    /// Prints the current context's name
    Current,
    /// Saves the connection flags given with it as context NAME
    ///
    /// Saves the flags (or ETCDCTL_* variables) given: --endpoints, --cacert, --cert, --key,
    /// --user, --dial-timeout, --command-timeout, --insecure-transport and
    /// --insecure-skip-tls-verify. File paths are saved absolute. A password is saved only
    /// with --save-password, and then the file is made readable by its owner alone (0600).
    #[command(verbatim_doc_comment)]
    Add {
        name: String,
        /// Save the password given with --user NAME:PASSWORD or --password too
        #[arg(long)]
        save_password: bool,
        /// Overwrite a context of that name
        #[arg(long)]
        replace: bool,
    },
    /// Deletes context NAME (when it was the current one, none is current after)
    Delete {
        #[arg(add = ArgValueCompleter::new(ContextNames))]
        name: String,
    },
    /// Renames context OLD to NEW, in place
    Rename {
        #[arg(add = ArgValueCompleter::new(ContextNames))]
        old: String,
        new: String,
    },
}

/// Completes context names from the file (`context use <TAB>`, `--context <TAB>`).
#[derive(Debug, Clone, Copy)]
pub struct ContextNames;

impl ValueCompleter for ContextNames {
    fn complete(&self, current: &OsStr) -> Vec<CompletionCandidate> {
        let typed = current.to_string_lossy();
        let Some(Ok(Some(config))) = contexts::path(&|name| std::env::var_os(name))
            .as_deref()
            .map(contexts::load)
        else {
            return Vec::new();
        };
        config
            .contexts
            .into_keys()
            .filter(|name| name.starts_with(typed.as_ref()))
            .map(CompletionCandidate::new)
            .collect()
    }
}

pub fn run(args: &ContextArgs, global: &GlobalArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let path = contexts::path(&|name| std::env::var_os(name))
        .ok_or_else(|| CliError::error("neither XDG_CONFIG_HOME nor HOME is set"))?;
    match &args.command {
        ContextCommand::Add {
            name,
            save_password,
            replace,
        } => {
            let (settings, password_left_out) = settings_to_save(global, *save_password)?;
            contexts::add(&path, name, settings, *replace)?;
            writeln!(out, "added context {name} to {}", path.display())?;
            if password_left_out {
                term::warn(
                    "the password was not saved: the prompt or ETCDCTL_PASSWORD will give it \
                     (or add again with --save-password --replace)",
                );
            }
        }
        ContextCommand::Delete { name } => {
            contexts::delete(&path, name)?;
            writeln!(out, "deleted context {name}")?;
        }
        ContextCommand::Rename { old, new } => {
            contexts::rename(&path, old, new)?;
            writeln!(out, "renamed context {old} to {new}")?;
        }
        ContextCommand::List => {
            let Some(config) = contexts::load(&path)? else {
                // Nothing to list is no failure; a person is told how to start.
                if term::stderr_is_terminal() {
                    term::warn(format!(
                        "hint: no contexts yet ({} does not exist): add one with \
                         `ectl context add NAME --endpoints=...`",
                        path.display()
                    ));
                }
                return Ok(());
            };
            let current = current_of(&config);
            for name in config.contexts.keys() {
                let mark = if current.as_deref() == Some(name) {
                    '*'
                } else {
                    ' '
                };
                writeln!(out, "{mark} {name}")?;
            }
        }
        ContextCommand::Current => {
            let name = current_of(&existing(&path)?).ok_or_else(|| {
                CliError::error("no current context: choose one with `ectl context use NAME`")
            })?;
            writeln!(out, "{name}")?;
        }
        ContextCommand::Show { name } => {
            let config = existing(&path)?;
            let name = name
                .clone()
                .or(current_of(&config))
                .ok_or_else(|| CliError::error("no current context: name one"))?;
            let c = config
                .contexts
                .get(&name)
                .ok_or_else(|| contexts::unknown(&name, &path))?;
            writeln!(out, "name: {name}")?;
            if let Some(endpoints) = &c.endpoints {
                writeln!(out, "endpoints: {}", endpoints.join(","))?;
            }
            for (label, value) in [
                ("cacert", &c.cacert),
                ("cert", &c.cert),
                ("key", &c.key),
                ("user", &c.user),
                ("dial-timeout", &c.dial_timeout),
                ("command-timeout", &c.command_timeout),
            ] {
                if let Some(value) = value {
                    writeln!(out, "{label}: {value}")?;
                }
            }
            for (label, value) in [
                ("insecure-transport", c.insecure_transport),
                ("insecure-skip-tls-verify", c.insecure_skip_tls_verify),
            ] {
                if let Some(value) = value {
                    writeln!(out, "{label}: {value}")?;
                }
            }
            if c.password.is_some() {
                writeln!(out, "password: (saved)")?;
            }
        }
        ContextCommand::Use { name } => {
            if !existing(&path)?.contexts.contains_key(name) {
                return Err(contexts::unknown(name, &path).into());
            }
            contexts::set_current(&path, name)?;
            writeln!(out, "current context: {name}")?;
        }
    }
    Ok(())
}

/// The file's contexts, which must exist for the commands that read them.
fn existing(path: &std::path::Path) -> Result<contexts::Config, CliError> {
    contexts::load(path)?.ok_or_else(|| {
        CliError::error(format!(
            "no contexts: {} does not exist; add one with `ectl context add NAME --endpoints=...`",
            path.display()
        ))
    })
}

/// `ECTL_CONTEXT`, else the file's `current-context`.
fn current_of(config: &contexts::Config) -> Option<String> {
    std::env::var("ECTL_CONTEXT")
        .ok()
        .filter(|c| !c.is_empty())
        .or(config.current_context.clone())
}

/// The settings `context add` saves: those a flag or an `ETCDCTL_*` variable gave, in the
/// file's spelling; the password only when `save_password` asks for it. The flag says a
/// password was given but left out.
fn settings_to_save(
    global: &GlobalArgs,
    save_password: bool,
) -> Result<(contexts::NewSettings, bool), CliError> {
    let given = |id: &str| global.explicit.iter().any(|e| e == id);
    let absolute = |file: &Option<String>| {
        file.as_deref().map(|f| {
            std::path::absolute(f)
                .map_or_else(|_| f.to_string(), |p| p.display().to_string())
                .into()
        })
    };
    let (user, password_in_user) = match global.user.as_deref().filter(|u| !u.is_empty()) {
        Some(flag) => {
            let (user, password) = crate::settings::split_user(flag);
            (Some(user.to_string()), password.map(str::to_string))
        }
        None => (None, None),
    };
    let password = global
        .password
        .clone()
        .filter(|p| !p.is_empty())
        .or(password_in_user);
    let mut settings = contexts::NewSettings::new();
    let mut push = |key: &'static str, id: &str, value: Option<toml_edit::Value>| {
        if let (true, Some(value)) = (given(id), value) {
            settings.push((key, value));
        }
    };
    push(
        "endpoints",
        "endpoints",
        Some(toml_edit::Value::Array(
            global.endpoints.iter().map(String::as_str).collect(),
        )),
    );
    push("cacert", "cacert", absolute(&global.cacert));
    push("cert", "cert", absolute(&global.cert));
    push("key", "key", absolute(&global.key));
    push("user", "user", user.map(Into::into));
    for (key, id, value) in [
        ("dial-timeout", "dial_timeout", global.dial_timeout.0),
        (
            "command-timeout",
            "command_timeout",
            global.command_timeout.0,
        ),
    ] {
        push(key, id, Some(crate::go::duration(value).into()));
    }
    for (key, id, value) in [
        (
            "insecure-transport",
            "insecure_transport",
            global.insecure_transport,
        ),
        (
            "insecure-skip-tls-verify",
            "insecure_skip_tls_verify",
            global.insecure_skip_tls_verify,
        ),
    ] {
        push(key, id, Some(value.into()));
    }
    let left_out = password.is_some() && !save_password;
    if save_password {
        let password = password.ok_or_else(|| {
            CliError::bad_args(
                "--save-password: no password given (--user NAME:PASSWORD or --password)",
            )
        })?;
        settings.push(("password", password.into()));
    }
    if settings.is_empty() {
        return Err(CliError::bad_args(
            "context add: no settings to save: give them as flags, e.g. \
             ectl context add prod --endpoints=https://10.0.0.1:2379 --cacert=ca.pem",
        ));
    }
    Ok((settings, left_out))
}
