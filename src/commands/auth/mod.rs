//! `auth enable|disable|status`, and the `user` and `role` groups (submodules), with what they
//! share: etcdctl's argument checks and name handling.

pub mod role;
pub mod user;

use std::ffi::{OsStr, OsString};

use clap::{Args, Subcommand};
use tonic::Code;

use crate::client;
use crate::commands::prelude::{NoArgs, Workbench};
use crate::error::CliError;
use crate::output::ResponseKind;
use crate::pb::etcdserverpb::{
    AuthDisableRequest, AuthEnableRequest, AuthRoleAddRequest, AuthStatusRequest,
    AuthUserGrantRoleRequest,
};

/// Enable or disable authentication
///
/// Examples:
///   ectl user add root && ectl user grant-role root root
///   ectl auth enable
///   ectl --user root auth disable
#[derive(Debug, Args)]
#[command(subcommand_required = true, arg_required_else_help = true)]
#[command(verbatim_doc_comment)]
pub struct AuthArgs {
    #[command(subcommand)]
    pub command: AuthCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Enables authentication
    ///
    /// A root user without the root role gets it first (the role is created), as etcdctl does.
    ///
    /// Example:
    ///   ectl user add root && ectl user grant-role root root && ectl auth enable
    #[command(verbatim_doc_comment)]
    Enable(NoArgs),
    /// Disables authentication
    ///
    /// Example:
    ///   ectl --user root auth disable
    #[command(verbatim_doc_comment)]
    Disable(NoArgs),
    /// Returns authentication status (etcd 3.5 or later)
    ///
    /// Example:
    ///   ectl auth status -w json
    #[command(verbatim_doc_comment)]
    Status(NoArgs),
}

/// etcd's error when auth is enabled while the root user lacks the root role.
const ROOT_ROLE_MISSING: &str = "etcdserver: root user does not have root role";

pub async fn run(args: AuthArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    match args.command {
        AuthCommand::Enable(a) => {
            no_args(&a, "auth enable command does not accept any arguments")?;
            enable(ctx).await
        }
        AuthCommand::Disable(a) => {
            no_args(&a, "auth disable command does not accept any arguments")?;
            ctx.client()?.auth_disable(AuthDisableRequest {}).await?;
            writeln!(ctx.out, "Authentication Disabled")?;
            Ok(())
        }
        AuthCommand::Status(a) => {
            no_args(&a, "auth status command does not accept any arguments")?;
            ctx.ensure_format(ResponseKind::AuthStatus)?;
            let resp = match ctx.client()?.auth_status(AuthStatusRequest {}).await {
                Err(e) if e.code() == Some(Code::Unimplemented) => {
                    return Err(CliError::error(
                        "auth status is not supported by this server (it needs etcd 3.5 or later)",
                    )
                    .into());
                }
                other => other?,
            };
            ctx.printer(ctx.style()).auth_status(&resp)?;
            Ok(())
        }
    }
}

/// etcdctl's `auth enable`: when etcd says the root user lacks the root role, create the role,
/// grant it, and try again.
async fn enable(ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let mut fixed = false;
    loop {
        match client.auth_enable(AuthEnableRequest {}).await {
            Ok(_) => break,
            Err(client::Error::Rpc(status)) if status.message() == ROOT_ROLE_MISSING && !fixed => {
                fixed = true;
                client
                    .role_add(AuthRoleAddRequest {
                        name: "root".into(),
                    })
                    .await?;
                client
                    .user_grant_role(AuthUserGrantRoleRequest {
                        user: "root".into(),
                        role: "root".into(),
                    })
                    .await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    writeln!(ctx.out, "Authentication Enabled")?;
    Ok(())
}

fn no_args(args: &NoArgs, message: &str) -> Result<(), CliError> {
    if args.args.is_empty() {
        Ok(())
    } else {
        Err(CliError::bad_args(message))
    }
}

/// Exactly `N` positional arguments, or etcdctl's usage error for this command.
fn exactly<'a, const N: usize>(
    args: &'a [OsString],
    message: &str,
) -> Result<&'a [OsString; N], CliError> {
    args.try_into().map_err(|_| CliError::bad_args(message))
}

/// A user or role name: etcd's API carries them as protobuf strings, so they must be UTF-8.
fn name(arg: &OsStr) -> Result<String, CliError> {
    arg.to_str().map(str::to_string).ok_or_else(|| {
        CliError::bad_args(format!(
            "user and role names must be valid UTF-8: {:?}",
            arg.to_string_lossy()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_utf8_and_counts_exact() {
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(name(OsStr::new("u1")).unwrap(), "u1");
        let err = name(OsStr::from_bytes(b"u\xff")).unwrap_err();
        assert_eq!(err.code, crate::error::ExitCode::BadArgs);
        let args = vec![OsString::from("a")];
        let [one] = exactly(&args, "m").unwrap();
        assert_eq!(one, "a");
        assert_eq!(exactly::<2>(&args, "m").unwrap_err().message, "m");
        let none = NoArgs { args: vec![] };
        assert!(no_args(&none, "m").is_ok());
        assert!(no_args(&NoArgs { args }, "m").is_err());
    }
}
