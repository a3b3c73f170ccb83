//! `role add|delete|get|list|grant-permission|revoke-permission` (`grant` and `revoke` are
//! accepted too, the older etcdctl syntax).

use std::ffi::OsString;

use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCompleter;

use super::{exactly, name};
use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::{NoArgs, Workbench, arg_bytes};
use crate::error::CliError;
use crate::keys::prefix_end;
use crate::output::ResponseKind;
use crate::pb::authpb::Permission;
use crate::pb::authpb::permission::Type as PermType;
use crate::pb::etcdserverpb::{
    AuthRoleAddRequest, AuthRoleDeleteRequest, AuthRoleGetRequest, AuthRoleGrantPermissionRequest,
    AuthRoleListRequest, AuthRoleRevokePermissionRequest,
};

/// Role related commands
///
/// Examples:
///   ectl role add reader
///   ectl role grant-permission reader read --prefix /app/
///   ectl role get reader
#[derive(Debug, Args)]
#[command(subcommand_required = true, arg_required_else_help = true)]
#[command(verbatim_doc_comment)]
pub struct RoleArgs {
    #[command(subcommand)]
    pub command: RoleCommand,
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Adds a new role
    ///
    /// Example:
    ///   ectl role add reader
    #[command(verbatim_doc_comment)]
    Add(NameArgs),
    /// Deletes a role
    ///
    /// Example:
    ///   ectl role delete reader
    #[command(verbatim_doc_comment)]
    Delete(NameArgs),
    /// Gets detailed information of a role
    ///
    /// Example:
    ///   ectl role get reader
    #[command(verbatim_doc_comment)]
    Get(NameArgs),
    /// Lists all roles
    ///
    /// Example:
    ///   ectl role list
    #[command(verbatim_doc_comment)]
    List(NoArgs),
    #[command(alias = "grant")]
    GrantPermission(GrantArgs),
    #[command(alias = "revoke")]
    RevokePermission(RevokeArgs),
}

// The arguments of `add`, `delete` and `get` (their help is on `RoleCommand`'s variants).
#[derive(Debug, Args)]
pub struct NameArgs {
    /// <role name>
    #[arg(value_name = "ROLE", add = ArgValueCompleter::new(Positional(&[Source::Roles])))]
    pub args: Vec<OsString>,
}

/// Grants a key to a role
///
/// <role name> <permission type> <key> [endkey]: the type is read, write or readwrite; the
/// permission covers the key, the range [key, endkey), every key with the prefix (--prefix) or
/// every key from it on (--from-key). An empty key with either flag means every key.
///
/// Examples:
///   ectl role grant-permission r1 readwrite k1 k3     keys in [k1, k3)
///   ectl role grant-permission r1 read --prefix /app/
///   ectl role grant r1 write foo                       older syntax
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct GrantArgs {
    /// grant a prefix permission
    #[arg(long)]
    pub prefix: bool,
    /// grant a permission of keys that are greater than or equal to the given key using byte compare
    #[arg(long)]
    pub from_key: bool,
    /// <role name> <permission type> <key> [endkey]
    #[arg(value_name = "ARGS", add = ArgValueCompleter::new(Positional(&[
        Source::Roles,
        Source::Words(&["read", "write", "readwrite"]),
        Source::Keys,
        Source::Keys,
    ])))]
    pub args: Vec<OsString>,
}

/// Revokes a key from a role
///
/// <role name> <key> [endkey], with --prefix or --from-key as the permission was granted.
///
/// Example:
///   ectl role revoke-permission reader --prefix /app/
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct RevokeArgs {
    /// revoke a prefix permission
    #[arg(long)]
    pub prefix: bool,
    /// revoke a permission of keys that are greater than or equal to the given key using byte compare
    #[arg(long)]
    pub from_key: bool,
    /// <role name> <key> [endkey]
    #[arg(value_name = "ARGS", add = ArgValueCompleter::new(Positional(&[Source::Roles, Source::Keys, Source::Keys])))]
    pub args: Vec<OsString>,
}

/// The key range a permission covers, from `<key> [endkey]` and the flags, as etcdctl's
/// `permRange`: an empty key is sent as `\0` (with either flag, `[\0, \0)` is every key, and an
/// end key is ignored); `\0` as the end means "no upper bound".
pub fn perm_range(
    args: &[OsString],
    prefix: bool,
    from_key: bool,
) -> Result<(Vec<u8>, Vec<u8>), CliError> {
    let key = arg_bytes(&args[0]);
    if key.is_empty() {
        if prefix && from_key {
            return Err(mutually_exclusive());
        }
        let end = if prefix || from_key { vec![0] } else { vec![] };
        return Ok((vec![0], end));
    }
    let end = match args.get(1) {
        None if prefix && from_key => return Err(mutually_exclusive()),
        None if prefix => prefix_end(&key),
        None if from_key => vec![0],
        None => vec![],
        Some(_) if prefix => {
            return Err(CliError::bad_args(
                "unexpected endkey argument with --prefix flag",
            ));
        }
        Some(_) if from_key => {
            return Err(CliError::bad_args(
                "unexpected endkey argument with --from-key flag",
            ));
        }
        Some(end) => arg_bytes(end),
    };
    Ok((key, end))
}

fn mutually_exclusive() -> CliError {
    CliError::bad_args("--from-key and --prefix flags are mutually exclusive")
}

/// `read`, `write` or `readwrite`, in any case.
pub fn perm_type(arg: &OsString) -> Result<PermType, CliError> {
    let text = arg.to_string_lossy();
    PermType::from_str_name(&text.to_uppercase())
        .ok_or_else(|| CliError::bad_args(format!("invalid permission type: {text}")))
}

/// `grant-permission` arguments as a request.
pub fn plan_grant(args: &GrantArgs) -> Result<AuthRoleGrantPermissionRequest, CliError> {
    if args.args.len() < 3 {
        return Err(CliError::bad_args(
            "role grant command requires role name, permission type, and key [endkey] as its argument",
        ));
    }
    let perm_type = perm_type(&args.args[1])?;
    let (key, range_end) = perm_range(&args.args[2..], args.prefix, args.from_key)?;
    Ok(AuthRoleGrantPermissionRequest {
        name: name(&args.args[0])?,
        perm: Some(Permission {
            perm_type: perm_type as i32,
            key,
            range_end,
        }),
    })
}

/// `revoke-permission` arguments as a request.
pub fn plan_revoke(args: &RevokeArgs) -> Result<AuthRoleRevokePermissionRequest, CliError> {
    if args.args.len() < 2 {
        return Err(CliError::bad_args(
            "role revoke-permission command requires role name and key [endkey] as its argument",
        ));
    }
    let (key, range_end) = perm_range(&args.args[1..], args.prefix, args.from_key)?;
    Ok(AuthRoleRevokePermissionRequest {
        role: name(&args.args[0])?,
        key,
        range_end,
    })
}

/// The one role name of `add`, `delete` and `get`.
fn one_role(args: &NameArgs, command: &str) -> Result<String, CliError> {
    let message = format!("role {command} command requires role name as its argument");
    let [role] = exactly(&args.args, &message)?;
    name(role)
}

pub async fn run(args: RoleArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let style = ctx.style();
    match args.command {
        RoleCommand::Add(a) => {
            let role = one_role(&a, "add")?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let request = AuthRoleAddRequest { name: role.clone() };
            let resp = ctx.client()?.role_add(request).await?;
            ctx.printer(style).role_add(&role, &resp)?;
        }
        RoleCommand::Delete(a) => {
            let role = one_role(&a, "delete")?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let request = AuthRoleDeleteRequest { role: role.clone() };
            let resp = ctx.client()?.role_delete(request).await?;
            ctx.printer(style).role_delete(&role, &resp)?;
        }
        RoleCommand::Get(a) => {
            let role = one_role(&a, "get")?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let request = AuthRoleGetRequest { role: role.clone() };
            let resp = ctx.client()?.role_get(request).await?;
            ctx.printer(style).role_get(&role, &resp)?;
        }
        RoleCommand::List(a) => {
            let [] = exactly(&a.args, "role list command requires no arguments")?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let resp = ctx.client()?.role_list(AuthRoleListRequest {}).await?;
            ctx.printer(style).role_list(&resp)?;
        }
        RoleCommand::GrantPermission(a) => {
            let request = plan_grant(&a)?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let role = request.name.clone();
            let resp = ctx.client()?.role_grant_permission(request).await?;
            ctx.printer(style).role_grant_permission(&role, &resp)?;
        }
        RoleCommand::RevokePermission(a) => {
            let request = plan_revoke(&a)?;
            ctx.ensure_format(ResponseKind::AuthAdmin)?;
            let role = request.role.clone();
            // etcdctl prints the key as typed and the range end it sent.
            let key = arg_bytes(&a.args[1]);
            let end = request.range_end.clone();
            let resp = ctx.client()?.role_revoke_permission(request).await?;
            ctx.printer(style)
                .role_revoke_permission(&role, &key, &end, &resp)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    fn range(args: &[&str], prefix: bool, from_key: bool) -> Result<(Vec<u8>, Vec<u8>), String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        perm_range(&args, prefix, from_key).map_err(|e| e.message)
    }

    #[test]
    fn ranges_follow_etcdctls_perm_range() {
        let ok = |k: &[u8], e: &[u8]| Ok((k.to_vec(), e.to_vec()));
        assert_eq!(range(&["k1"], false, false), ok(b"k1", b""));
        assert_eq!(range(&["k1", "k3"], false, false), ok(b"k1", b"k3"));
        assert_eq!(
            range(&["k1", "k3", "extra"], false, false),
            ok(b"k1", b"k3")
        );
        assert_eq!(range(&["pfx/"], true, false), ok(b"pfx/", b"pfx0"));
        assert_eq!(range(&["zz"], false, true), ok(b"zz", b"\0"));
        assert_eq!(range(&[""], false, false), ok(b"\0", b""));
        assert_eq!(range(&[""], true, false), ok(b"\0", b"\0"));
        assert_eq!(range(&["", "ignored"], false, true), ok(b"\0", b"\0"));
        assert_eq!(
            range(&["a", "b"], true, false),
            Err("unexpected endkey argument with --prefix flag".into())
        );
        assert_eq!(
            range(&["a", "b"], false, true),
            Err("unexpected endkey argument with --from-key flag".into())
        );
        for key in ["a", ""] {
            assert_eq!(
                range(&[key], true, true),
                Err("--from-key and --prefix flags are mutually exclusive".into())
            );
        }
    }

    #[test]
    fn permission_types_ignore_case() {
        assert_eq!(perm_type(&"readwrite".into()).unwrap(), PermType::Readwrite);
        assert_eq!(perm_type(&"Write".into()).unwrap(), PermType::Write);
        let err = perm_type(&"123".into()).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ExitCode::BadArgs, "invalid permission type: 123")
        );
    }

    #[test]
    fn grant_and_revoke_check_argument_counts_first() {
        let grant = GrantArgs {
            prefix: false,
            from_key: false,
            args: vec!["r".into(), "bogus".into()],
        };
        assert!(
            plan_grant(&grant)
                .unwrap_err()
                .message
                .starts_with("role grant command")
        );
        let revoke = RevokeArgs {
            prefix: true,
            from_key: false,
            args: vec!["r".into(), "".into()],
        };
        let request = plan_revoke(&revoke).unwrap();
        assert_eq!(
            (request.key, request.range_end),
            (b"\0".to_vec(), b"\0".to_vec())
        );
    }
}
