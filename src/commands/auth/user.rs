//! `user add|delete|get|list|passwd|grant-role|revoke-role`.
//!
//! New passwords are asked twice, as etcdctl asks them (`Password of <name>: `, then `Type
//! password of <name> again for confirmation: `, on stdout, also when stdin is a pipe: then the
//! answers are its first two lines), or with `--interactive=false` read from stdin without a
//! prompt: the first word of the first line, as etcdctl's `fmt.Scanf("%s")` reads it. Passwords
//! are never printed.

use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCompleter;
use std::ffi::OsString;

use super::{exactly, name};
use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::{NoArgs, Workbench};
use crate::error::CliError;
use crate::output::ResponseKind;
use crate::pb::authpb::UserAddOptions;
use crate::pb::etcdserverpb::{
    AuthRoleGetRequest, AuthUserAddRequest, AuthUserChangePasswordRequest, AuthUserDeleteRequest,
    AuthUserGetRequest, AuthUserGrantRoleRequest, AuthUserListRequest, AuthUserRevokeRoleRequest,
};
use crate::term::prompt::{ask_password, read_password};

/// User related commands
///
/// Examples:
///   ectl user add alice
///   ectl user grant-role alice reader
///   ectl user get alice --detail
#[derive(Debug, Args)]
#[command(subcommand_required = true, arg_required_else_help = true)]
#[command(verbatim_doc_comment)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    Add(AddArgs),
    Delete(DeleteArgs),
    Get(GetArgs),
    /// Lists all users
    ///
    /// Example:
    ///   ectl user list
    #[command(verbatim_doc_comment)]
    List(NoArgs),
    Passwd(PasswdArgs),
    GrantRole(GrantRoleArgs),
    RevokeRole(RevokeRoleArgs),
}

/// Adds a new user
///
/// The password is the part after the first `:` of `name:password`, `--new-user-password`, or
/// asked for twice (with --interactive=false: the first word of stdin, without a prompt).
///
/// Examples:
///   ectl user add alice                   asks for alice's password
///   echo secret | ectl user add alice --interactive=false
///   ectl user add alice --no-password     a user that authenticates by TLS common name only
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct AddArgs {
    /// Read password from stdin instead of interactive terminal
    #[arg(long, default_value = "true")]
    pub interactive: bool,
    /// Supply password from the command line flag
    #[arg(long, default_value = "", hide_default_value = true)]
    pub new_user_password: String,
    /// Create a user without password (CN based auth only)
    #[arg(long)]
    pub no_password: bool,
    /// <user name or user:password>
    #[arg(value_name = "USER")]
    pub args: Vec<OsString>,
}

/// Deletes a user
///
/// Example:
///   ectl user delete alice
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct DeleteArgs {
    /// <user name>
    #[arg(value_name = "USER", add = ArgValueCompleter::new(Positional(&[Source::Users])))]
    pub args: Vec<OsString>,
}

/// Gets detailed information of a user
///
/// Example:
///   ectl user get alice --detail
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct GetArgs {
    /// Show permissions of roles granted to the user
    #[arg(long)]
    pub detail: bool,
    /// <user name>
    #[arg(value_name = "USER", add = ArgValueCompleter::new(Positional(&[Source::Users])))]
    pub args: Vec<OsString>,
}

/// Changes password of user
///
/// Examples:
///   ectl user passwd alice
///   echo n3w | ectl user passwd alice --interactive=false
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct PasswdArgs {
    /// If true, read password from stdin instead of interactive terminal
    #[arg(long, default_value = "true")]
    pub interactive: bool,
    /// <user name>
    #[arg(value_name = "USER", add = ArgValueCompleter::new(Positional(&[Source::Users])))]
    pub args: Vec<OsString>,
}

/// Grants a role to a user
///
/// Example:
///   ectl user grant-role alice reader
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct GrantRoleArgs {
    /// <user name> <role name>
    #[arg(value_name = "USER ROLE", add = ArgValueCompleter::new(Positional(&[Source::Users, Source::Roles])))]
    pub args: Vec<OsString>,
}

/// Revokes a role from a user
///
/// Example:
///   ectl user revoke-role alice reader
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct RevokeRoleArgs {
    /// <user name> <role name>
    #[arg(value_name = "USER ROLE", add = ArgValueCompleter::new(Positional(&[Source::Users, Source::Roles])))]
    pub args: Vec<OsString>,
}

/// Where `user add` gets the password from, decided before anything is read or sent.
#[derive(Debug, PartialEq, Eq)]
pub enum NewPassword {
    Given(String),
    /// Asked twice; with `interactive` false, the first word of stdin.
    Ask {
        interactive: bool,
    },
    /// `--no-password`.
    None,
}

/// `user add` arguments resolved as etcdctl resolves them: the user name and where the
/// password comes from.
pub fn plan_add(args: &AddArgs) -> Result<(String, NewPassword), CliError> {
    let [arg] = exactly(
        &args.args,
        "user add command requires user name as its argument",
    )?;
    let arg = name(arg)?;
    if args.no_password {
        return Ok((arg, NewPassword::None));
    }
    if !args.new_user_password.is_empty() {
        return Ok((arg, NewPassword::Given(args.new_user_password.clone())));
    }
    match arg.split_once(':') {
        None => Ok((
            arg,
            NewPassword::Ask {
                interactive: args.interactive,
            },
        )),
        Some(("", _)) => Err(CliError::bad_args("empty user name is not allowed")),
        Some((user, password)) => Ok((user.to_string(), NewPassword::Given(password.to_string()))),
    }
}

/// The first word of `line`, as Go's `fmt.Scanf("%s")` reads one: leading blanks skipped, up
/// to the next white space; empty when the line is empty.
fn first_word(line: &str) -> String {
    line.trim_start_matches([' ', '\t'])
        .split(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A new password for `user`: asked twice (etcdctl's prompts and errors), or read from stdin
/// as `--interactive=false` reads it.
fn new_password(
    out: &mut dyn std::io::Write,
    user: &str,
    interactive: bool,
) -> Result<String, CliError> {
    if !interactive {
        return Ok(first_word(&read_password()?));
    }
    let first = ask_password(out, &format!("Password of {user}: "))?;
    if first.is_empty() {
        return Err(CliError::bad_args("empty password"));
    }
    let again = ask_password(
        out,
        &format!("Type password of {user} again for confirmation: "),
    )?;
    if first != again {
        return Err(CliError::bad_args("given passwords are different"));
    }
    Ok(first)
}

pub async fn run(args: UserArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let style = ctx.style();
    match args.command {
        UserCommand::Add(a) => {
            let (user, source) = plan_add(&a)?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let (password, no_password) = match source {
                NewPassword::Given(password) => (password, false),
                NewPassword::Ask { interactive } => {
                    (new_password(ctx.out, &user, interactive)?, false)
                }
                NewPassword::None => (String::new(), true),
            };
            let request = AuthUserAddRequest {
                name: user.clone(),
                password,
                options: Some(UserAddOptions { no_password }),
                hashed_password: String::new(),
            };
            let resp = ctx.client()?.user_add(request).await?;
            ctx.printer(style).user_add(&user, &resp)?;
        }
        UserCommand::Delete(a) => {
            let [user] = exactly(
                &a.args,
                "user delete command requires user name as its argument",
            )?;
            let user = name(user)?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let request = AuthUserDeleteRequest { name: user.clone() };
            let resp = ctx.client()?.user_delete(request).await?;
            ctx.printer(style).user_delete(&user, &resp)?;
        }
        UserCommand::Get(a) => {
            let [user] = exactly(
                &a.args,
                "user get command requires user name as its argument",
            )?;
            let user = name(user)?;
            // With --detail, the roles are printed as `role get` prints them.
            ctx.ensure_format(if a.detail {
                ResponseKind::AuthAdmin
            } else {
                ResponseKind::UserGet
            })?;
            let request = AuthUserGetRequest { name: user.clone() };
            let resp = ctx.client()?.user_get(request).await?;
            if !a.detail {
                ctx.printer(style).user_get(&user, &resp)?;
                return Ok(());
            }
            writeln!(ctx.out, "User: {user}")?;
            for role in &resp.roles {
                writeln!(ctx.out)?;
                let request = AuthRoleGetRequest { role: role.clone() };
                let role_resp = ctx.client()?.role_get(request).await?;
                ctx.printer(style).role_get(role, &role_resp)?;
            }
        }
        UserCommand::List(a) => {
            let [] = exactly(&a.args, "user list command requires no arguments")?;
            ctx.ensure_format(ResponseKind::UserList)?;
            let resp = ctx.client()?.user_list(AuthUserListRequest {}).await?;
            ctx.printer(style).user_list(&resp)?;
        }
        UserCommand::Passwd(a) => {
            let [user] = exactly(
                &a.args,
                "user passwd command requires user name as its argument",
            )?;
            let user = name(user)?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let password = new_password(ctx.out, &user, a.interactive)?;
            let request = AuthUserChangePasswordRequest {
                name: user,
                password,
                hashed_password: String::new(),
            };
            let resp = ctx.client()?.user_change_password(request).await?;
            ctx.printer(style).user_change_password(&resp)?;
        }
        UserCommand::GrantRole(a) => {
            let [user, role] = exactly(
                &a.args,
                "user grant command requires user name and role name as its argument",
            )?;
            let (user, role) = (name(user)?, name(role)?);
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let request = AuthUserGrantRoleRequest {
                user: user.clone(),
                role: role.clone(),
            };
            let resp = ctx.client()?.user_grant_role(request).await?;
            ctx.printer(style).user_grant_role(&user, &role, &resp)?;
        }
        UserCommand::RevokeRole(a) => {
            let [user, role] = exactly(
                &a.args,
                "user revoke-role requires user name and role name as its argument",
            )?;
            let (user, role) = (name(user)?, name(role)?);
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let request = AuthUserRevokeRoleRequest {
                name: user.clone(),
                role: role.clone(),
            };
            let resp = ctx.client()?.user_revoke_role(request).await?;
            ctx.printer(style).user_revoke_role(&user, &role, &resp)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    fn plan_of(argv: &[&str]) -> Result<(String, NewPassword), String> {
        let parsed: AddArgs =
            crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
        plan_add(&parsed).map_err(|e| e.message)
    }

    #[test]
    fn add_takes_the_password_from_where_etcdctl_does() {
        let given = |u: &str, p: &str| Ok((u.to_string(), NewPassword::Given(p.to_string())));
        assert_eq!(plan_of(&["u1:p:q"]), given("u1", "p:q"));
        assert_eq!(plan_of(&["u1:"]), given("u1", ""));
        assert_eq!(
            plan_of(&["u1:x", "--new-user-password=pw"]),
            given("u1:x", "pw")
        );
        assert_eq!(
            plan_of(&["u1"]),
            Ok(("u1".into(), NewPassword::Ask { interactive: true }))
        );
        assert_eq!(
            plan_of(&["u1", "--interactive=false"]),
            Ok(("u1".into(), NewPassword::Ask { interactive: false }))
        );
        assert_eq!(
            plan_of(&["u1:p", "--no-password"]),
            Ok(("u1:p".into(), NewPassword::None))
        );
    }

    #[test]
    fn add_argument_errors_are_etcdctls() {
        assert_eq!(
            plan_of(&[":pw"]).unwrap_err(),
            "empty user name is not allowed"
        );
        assert_eq!(
            plan_of(&[]).unwrap_err(),
            "user add command requires user name as its argument"
        );
        let parsed: AddArgs = crate::commands::prelude::try_parse_args(&[]).unwrap();
        assert_eq!(plan_add(&parsed).unwrap_err().code, ExitCode::BadArgs);
        assert!(plan_of(&["a", "b"]).is_err());
    }

    #[test]
    fn stdin_passwords_are_the_first_word_as_scanf_reads_it() {
        assert_eq!(first_word("secret"), "secret");
        assert_eq!(first_word("  tok en"), "tok");
        assert_eq!(first_word("\tpw\r"), "pw");
        assert_eq!(first_word(""), "");
    }
}
