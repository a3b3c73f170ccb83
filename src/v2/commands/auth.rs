//! The auth commands: `user` and `role` (each subcommand one request on `/v2/auth`) and
//! `auth enable|disable`.

use std::time::Instant;

use super::{Result, Workbench, auth_client, exit, no_args};
use crate::settings::split_user;
use crate::term::prompt::ask_password;
use crate::v2::api::{self, Perm};
use crate::v2::cli::Cmd;
use crate::v2::client::{Client, Request};
use crate::v2::error::Error;
use crate::v2::url;

fn name_arg(ctx: &Workbench<'_>, missing: &str) -> Result<String> {
    if ctx.run.args.len() != 1 {
        return Err(exit(1, missing));
    }
    Ok(ctx.run.args[0].clone())
}

async fn send_ok(
    client: &mut Client,
    req: &Request,
    deadline: Option<Instant>,
) -> Result<crate::v2::client::Response> {
    client
        .send(req, deadline)
        .await
        .map_err(|e| exit(1, e.to_string()))
}

pub(super) async fn user(ctx: &mut Workbench<'_>) -> Result<()> {
    const NO_NAME: &str = "Please provide a username";
    let cmd = ctx.run.cmd;
    if cmd == Cmd::UserList {
        no_args(ctx)?;
        let mut client = auth_client(ctx).await?;
        let resp = send_ok(&mut client, &api::users_list(), ctx.deadline()).await?;
        let names = api::parse_names(&resp, "users", "user").map_err(|e| exit(1, e.to_string()))?;
        for n in names {
            writeln!(ctx.out, "{n}")?;
        }
        return Ok(());
    }
    let roles = ctx.run.flags.slice("roles").to_vec();
    if matches!(cmd, Cmd::UserGrant | Cmd::UserRevoke) && roles.is_empty() {
        return Err(exit(1, "No roles specified; please use `--roles`"));
    }
    let arg = name_arg(ctx, NO_NAME)?;
    let mut client = auth_client(ctx).await?;
    let deadline = ctx.deadline();
    let path = |name: &str| api::auth_path("users", name);
    let fail = |e: Error| exit(1, e.to_string());
    match cmd {
        Cmd::UserAdd => {
            let (user, password) = split_user(&arg);
            let password = match password {
                Some(p) => p.to_string(),
                None => ask_password(ctx.out, "New password: ")?,
            };
            let req = Request::new(hyper::Method::PUT, path(user)).json(api::user_body(
                user,
                Some(&password),
                &[],
                &[],
            ));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::auth_result(&resp, &[200, 201]).map_err(fail)?;
            writeln!(ctx.out, "User {user} created")?;
        }
        Cmd::UserRemove => {
            let req = Request::new(hyper::Method::DELETE, path(&arg));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::auth_result(&resp, &[200, 201]).map_err(fail)?;
            writeln!(ctx.out, "User {arg} removed")?;
        }
        Cmd::UserPasswd => {
            let password = ask_password(ctx.out, "New password: ")?;
            let req = Request::new(hyper::Method::PUT, path(&arg)).json(api::user_body(
                &arg,
                Some(&password),
                &[],
                &[],
            ));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::parse_user(&resp).map_err(fail)?;
            writeln!(ctx.out, "Password updated")?;
        }
        Cmd::UserGrant | Cmd::UserRevoke => {
            let (grant, revoke): (&[String], &[String]) = if cmd == Cmd::UserGrant {
                (&roles, &[])
            } else {
                (&[], &roles)
            };
            let req = Request::new(hyper::Method::PUT, path(&arg))
                .json(api::user_body(&arg, None, grant, revoke));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::parse_user(&resp).map_err(fail)?;
            writeln!(ctx.out, "User {arg} updated")?;
        }
        _ => {
            let req = Request::new(hyper::Method::GET, path(&arg));
            let resp = send_ok(&mut client, &req, deadline).await?;
            let user = api::parse_user(&resp).map_err(fail)?;
            writeln!(ctx.out, "User: {}", user.user)?;
            writeln!(ctx.out, "Roles: {}", user.roles.join(" "))?;
        }
    }
    Ok(())
}

async fn get_role(
    client: &mut Client,
    name: &str,
    deadline: Option<Instant>,
) -> std::result::Result<api::Role, Error> {
    let req = Request::new(hyper::Method::GET, api::auth_path("roles", name));
    let resp = client.send(&req, deadline).await?;
    api::parse_role(&resp)
}

pub(super) async fn role(ctx: &mut Workbench<'_>) -> Result<()> {
    const NO_NAME: &str = "Please provide a role name";
    let cmd = ctx.run.cmd;
    let fail = |e: Error| exit(1, e.to_string());
    if cmd == Cmd::RoleList {
        no_args(ctx)?;
        let mut client = auth_client(ctx).await?;
        let req = Request::new(hyper::Method::GET, api::auth_path("roles", ""));
        let resp = send_ok(&mut client, &req, ctx.deadline()).await?;
        for n in api::parse_names(&resp, "roles", "role").map_err(fail)? {
            writeln!(ctx.out, "{n}")?;
        }
        return Ok(());
    }
    let change = if matches!(cmd, Cmd::RoleGrant | Cmd::RoleRevoke) {
        Some(role_change(ctx)?)
    } else {
        None
    };
    let name = name_arg(ctx, NO_NAME)?;
    let mut client = auth_client(ctx).await?;
    let deadline = ctx.deadline();
    let path = api::auth_path("roles", &name);
    match cmd {
        Cmd::RoleAdd => {
            if get_role(&mut client, &name, deadline).await.is_ok() {
                return Err(exit(1, format!("Role {name} already exists")));
            }
            let req = Request::new(hyper::Method::PUT, path).json(api::role_body(&name, None));
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::auth_result(&resp, &[200, 201]).map_err(fail)?;
            writeln!(ctx.out, "Role {name} created")?;
        }
        Cmd::RoleRemove => {
            let req = Request::new(hyper::Method::DELETE, path);
            let resp = send_ok(&mut client, &req, deadline).await?;
            api::auth_result(&resp, &[200, 201]).map_err(fail)?;
            writeln!(ctx.out, "Role {name} removed")?;
        }
        Cmd::RoleGrant | Cmd::RoleRevoke => {
            let (prefix, perm) = change.expect("checked above");
            let current = get_role(&mut client, &name, deadline).await.map_err(fail)?;
            let field = if cmd == Cmd::RoleGrant {
                "grant"
            } else {
                "revoke"
            };
            let paths = [prefix];
            let req = Request::new(hyper::Method::PUT, path)
                .json(api::role_body(&name, Some((field, perm, &paths))));
            let resp = send_ok(&mut client, &req, deadline).await?;
            let updated = api::parse_role(&resp).map_err(fail)?;
            if updated == current {
                // etcdctl prints this without a newline, before the next line.
                let done = if cmd == Cmd::RoleGrant {
                    "granted"
                } else {
                    "revoked"
                };
                write!(ctx.out, "Role unchanged; already {done}")?;
            }
            writeln!(ctx.out, "Role {name} updated")?;
        }
        _ => {
            let role = get_role(&mut client, &name, deadline).await.map_err(fail)?;
            writeln!(ctx.out, "Role: {}", role.role)?;
            writeln!(ctx.out, "KV Read:")?;
            for p in role.permissions.kv.read.iter().flatten() {
                writeln!(ctx.out, "\t{p}")?;
            }
            writeln!(ctx.out, "KV Write:")?;
            for p in role.permissions.kv.write.iter().flatten() {
                writeln!(ctx.out, "\t{p}")?;
            }
        }
    }
    Ok(())
}

/// role grant/revoke's checks, in etcdctl's order: a canonical `--path`, exactly one permission.
fn role_change(ctx: &Workbench<'_>) -> Result<(String, Perm)> {
    let f = &ctx.run.flags;
    let path = f.string("path").unwrap_or("");
    if path.is_empty() {
        return Err(exit(1, "No path specified; please use `--path`"));
    }
    let canonical = url::canonical(path);
    if canonical != path {
        return Err(exit(
            1,
            format!("Not canonical path; please use `--path={canonical}`"),
        ));
    }
    let perms = [
        (f.bool("read"), Perm::Read),
        (f.bool("write"), Perm::Write),
        (f.bool("readwrite"), Perm::ReadWrite),
    ];
    let chosen: Vec<Perm> = perms
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, p)| *p)
        .collect();
    match chosen.as_slice() {
        [one] => Ok((path.to_string(), *one)),
        _ => Err(exit(
            1,
            "Please specify exactly one of --read, --write or --readwrite",
        )),
    }
}

pub(super) async fn auth(ctx: &mut Workbench<'_>) -> Result<()> {
    no_args(ctx)?;
    let enable = ctx.run.cmd == Cmd::AuthEnable;
    let mut client = auth_client(ctx).await?;
    let resp = send_ok(&mut client, &api::auth_enable(enable), ctx.deadline()).await?;
    api::auth_result(&resp, &[200, 201]).map_err(|e| exit(1, e.to_string()))?;
    writeln!(
        ctx.out,
        "Authentication {}",
        if enable { "Enabled" } else { "Disabled" }
    )?;
    Ok(())
}
