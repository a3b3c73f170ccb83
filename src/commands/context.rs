//! `context list|show|use` (ectl only): the named contexts of `config.toml` (see
//! [`crate::contexts`]). They read and write only the file, never a server.

use std::io::Write;

use clap::{Args, Subcommand};

use crate::contexts;
use crate::error::CliError;

/// Lists, shows and selects named contexts (ectl only)
///
/// Contexts live in $XDG_CONFIG_HOME/ectl/config.toml (else ~/.config/ectl/config.toml):
///
///   current-context = "prod"
///   [contexts.prod]
///   endpoints = ["https://10.0.0.1:2379"]
///   cacert = "/etc/etcd/ca.pem"
///   user = "admin"            # never a password: the prompt or ETCDCTL_PASSWORD gives it
///   dial-timeout = "5s"
///
/// Flags and ETCDCTL_* variables always win over the context.
///
/// Examples:
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
    Show { name: Option<String> },
    /// Makes NAME the current context (the file's comments are kept)
    Use { name: String },
}

pub fn run(args: &ContextArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let path = contexts::path(&|name| std::env::var_os(name))
        .ok_or_else(|| CliError::error("neither XDG_CONFIG_HOME nor HOME is set"))?;
    let config = contexts::load(&path)?.ok_or_else(|| {
        CliError::error(format!("no contexts: {} does not exist", path.display()))
    })?;
    let current = std::env::var("ECTL_CONTEXT")
        .ok()
        .filter(|c| !c.is_empty())
        .or(config.current_context.clone());
    let known = |name: &str| {
        if config.contexts.contains_key(name) {
            Ok(())
        } else {
            Err(CliError::error(format!(
                "no context {name:?} in {}",
                path.display()
            )))
        }
    };
    match &args.command {
        ContextCommand::List => {
            for name in config.contexts.keys() {
                let mark = if current.as_deref() == Some(name) {
                    '*'
                } else {
                    ' '
                };
                writeln!(out, "{mark} {name}")?;
            }
        }
        ContextCommand::Show { name } => {
            let name = name
                .clone()
                .or(current)
                .ok_or_else(|| CliError::error("no current context: name one"))?;
            known(&name)?;
            let c = &config.contexts[&name];
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
        }
        ContextCommand::Use { name } => {
            known(name)?;
            contexts::set_current(&path, name)?;
            writeln!(out, "current context: {name}")?;
        }
    }
    Ok(())
}
