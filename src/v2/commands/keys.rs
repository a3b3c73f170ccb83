//! The keys commands: `get`, `ls`, `set`, `mk`, `update`, `mkdir`, `setdir`, `updatedir`,
//! `rm`, `rmdir`, `watch` and `exec-watch`, each one request (or a wait) on `/v2/keys`.

use std::io::{self, Read};
use std::time::Instant;

use super::{Result, Workbench, exit, handle, synced_client};
use crate::term::warn;
use crate::v2::api::{self, DeleteOptions, PrevExist, SetOptions};
use crate::v2::cli::Cmd;
use crate::v2::client::{Client, Request};
use crate::v2::error::{EXIT_BAD_ARGS, EXIT_SERVER_ERROR, Error};
use crate::v2::output::{self, Printed};

/// A keys request and its answer; failures are etcdctl's server errors (exit 4).
async fn keys(
    client: &mut Client,
    req: &Request,
    deadline: Option<Instant>,
) -> Result<api::KeysResponse> {
    let resp = client
        .send(req, deadline)
        .await
        .map_err(|e| handle(EXIT_SERVER_ERROR, &e))?;
    match api::keys_response(&resp) {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(handle(
            EXIT_SERVER_ERROR,
            &Error::other("client: response body is empty"),
        )),
        Err(e) => Err(handle(EXIT_SERVER_ERROR, &e)),
    }
}

fn key_required(ctx: &Workbench<'_>) -> Result<String> {
    ctx.arg(0)
        .map(str::to_string)
        .ok_or_else(|| handle(EXIT_BAD_ARGS, &Error::other("key required")))
}

pub(super) async fn get(ctx: &mut Workbench<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let f = &ctx.run.flags;
    let req = api::get(&key, false, f.bool("sort"), f.bool("quorum"));
    let resp = keys(&mut client, &req, ctx.deadline()).await?;
    if let Some(node) = resp.node.as_ref().filter(|n| n.dir) {
        return Err(exit(1, format!("{}: is a directory", node.key)));
    }
    ctx.print_key(&resp)
}

pub(super) async fn ls(ctx: &mut Workbench<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = ctx.arg(0).unwrap_or("/").to_string();
    let f = &ctx.run.flags;
    let req = api::get(&key, f.bool("recursive"), f.bool("sort"), f.bool("quorum"));
    let slash = f.bool("p");
    let resp = keys(&mut client, &req, ctx.deadline()).await?;
    let format = ctx.format();
    if output::print_ls(ctx.out, &resp, format, slash)? == Printed::UnsupportedFormat {
        warn(format_args!(
            "Unsupported output format: {}",
            ctx.global().output
        ));
    }
    Ok(())
}

/// etcdctl's `argOrStdin`: the argument, else all of stdin (which must not be empty).
fn value_arg(ctx: &Workbench<'_>) -> Result<String> {
    if let Some(v) = ctx.arg(1) {
        return Ok(v.to_string());
    }
    let mut buf = Vec::new();
    let read = io::stdin().read_to_end(&mut buf);
    match (read, String::from_utf8(buf)) {
        (Ok(_), Ok(v)) if !v.is_empty() => Ok(v),
        _ => Err(handle(EXIT_BAD_ARGS, &Error::other("value required"))),
    }
}

/// A count flag as Go's `uint64(int)` conversion turns it into an index.
fn index_flag(ctx: &Workbench<'_>, name: &str) -> u64 {
    ctx.run.flags.int(name) as u64
}

/// `--ttl`: seconds, ignored unless positive.
fn ttl(ctx: &Workbench<'_>) -> u64 {
    ctx.run.flags.int("ttl").max(0) as u64
}

pub(super) async fn set(ctx: &mut Workbench<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let value = value_arg(ctx)?;
    let f = &ctx.run.flags;
    let req = match ctx.run.cmd {
        Cmd::Mk if f.bool("in-order") => api::create_in_order(&key, &value, ttl(ctx)),
        cmd => api::set(
            &key,
            &value,
            &SetOptions {
                prev_value: f.string("swap-with-value").unwrap_or("").to_string(),
                prev_index: index_flag(ctx, "swap-with-index"),
                prev_exist: match cmd {
                    Cmd::Mk => Some(PrevExist::NoExist),
                    Cmd::Update => Some(PrevExist::Exist),
                    _ => None,
                },
                ttl: ttl(ctx),
                dir: false,
            },
        ),
    };
    let resp = keys(&mut client, &req, ctx.deadline()).await?;
    ctx.print_key(&resp)
}

pub(super) async fn mkdir(ctx: &mut Workbench<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let prev_exist = match ctx.run.cmd {
        Cmd::Mkdir => PrevExist::NoExist,
        Cmd::Updatedir => PrevExist::Exist,
        _ => PrevExist::Ignore,
    };
    let opts = SetOptions {
        prev_exist: Some(prev_exist),
        ttl: ttl(ctx),
        dir: true,
        ..SetOptions::default()
    };
    let resp = keys(&mut client, &api::set(&key, "", &opts), ctx.deadline()).await?;
    if !ctx.simple() {
        ctx.print_key(&resp)?;
    }
    Ok(())
}

pub(super) async fn rm(ctx: &mut Workbench<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let f = &ctx.run.flags;
    let opts = if ctx.run.cmd == Cmd::Rmdir {
        DeleteOptions {
            dir: true,
            ..DeleteOptions::default()
        }
    } else {
        DeleteOptions {
            prev_value: f.string("with-value").unwrap_or("").to_string(),
            prev_index: index_flag(ctx, "with-index"),
            dir: f.bool("dir"),
            recursive: f.bool("recursive"),
        }
    };
    let resp = keys(&mut client, &api::delete(&key, &opts), ctx.deadline()).await?;
    let dir = resp.node.as_ref().is_some_and(|n| n.dir);
    if !dir || !ctx.simple() {
        ctx.print_key(&resp)?;
    }
    Ok(())
}

/// Waits for the next change after `index` (0: from now); `Ok(None)` on Ctrl-C.
async fn next_event(
    client: &mut Client,
    key: &str,
    index: u64,
    recursive: bool,
) -> Result<Option<api::KeysResponse>> {
    loop {
        let req = api::wait(key, index, recursive);
        let resp = tokio::select! {
            resp = client.send(&req, None) => resp,
            _ = tokio::signal::ctrl_c() => return Ok(None),
        };
        let resp = resp.map_err(|e| handle(EXIT_SERVER_ERROR, &e))?;
        match api::keys_response(&resp) {
            Ok(Some(r)) => return Ok(Some(r)),
            // The server ended the poll without an event: ask again.
            Ok(None) => continue,
            Err(e) => return Err(handle(EXIT_SERVER_ERROR, &e)),
        }
    }
}

fn first_wait_index(ctx: &Workbench<'_>) -> u64 {
    match ctx.run.flags.int("after-index") {
        n if n > 0 => n as u64 + 1,
        _ => 0,
    }
}

pub(super) async fn watch(ctx: &mut Workbench<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let key = key_required(ctx)?;
    let recursive = ctx.run.flags.bool("recursive");
    let forever = ctx.run.flags.bool("forever");
    let mut index = first_wait_index(ctx);
    while let Some(resp) = next_event(&mut client, &key, index, recursive).await? {
        let node = resp.node.clone().unwrap_or_default();
        index = node.modified_index + 1;
        if node.dir {
            continue;
        }
        if recursive {
            writeln!(ctx.out, "[{}] {}", resp.action, node.key)?;
        }
        ctx.print_key(&resp)?;
        ctx.out.flush()?;
        if !forever {
            break;
        }
    }
    Ok(())
}

/// exec-watch's arguments after urfave consumed a `--`: the key first when a later `--` is
/// still there, else the key is the last argument and the command comes before it.
fn exec_watch_args(args: &[String]) -> Option<(String, Vec<String>)> {
    if args.len() < 2 {
        return None;
    }
    if args.iter().skip(1).any(|a| a == "--") {
        return Some((args[0].clone(), args[2..].to_vec()));
    }
    let (key, cmd) = args.split_last()?;
    Some((key.clone(), cmd.to_vec()))
}

pub(super) async fn exec_watch(ctx: &mut Workbench<'_>) -> Result<()> {
    let mut client = synced_client(ctx).await?;
    let Some((key, command)) = exec_watch_args(&ctx.run.args) else {
        return Err(handle(
            EXIT_BAD_ARGS,
            &Error::other("key and command to exec required"),
        ));
    };
    let recursive = ctx.run.flags.bool("recursive");
    let mut index = first_wait_index(ctx);
    while let Some(resp) = next_event(&mut client, &key, index, recursive).await? {
        let node = resp.node.clone().unwrap_or_default();
        index = node.modified_index + 1;
        if node.dir {
            warn(format_args!("Ignored dir {} change", node.key));
            continue;
        }
        ctx.out.flush()?;
        let Some((program, args)) = command.split_first() else {
            return Err(exit(1, "exec: no command"));
        };
        let child = std::process::Command::new(program)
            .args(args)
            .env("ETCD_WATCH_ACTION", &resp.action)
            .env("ETCD_WATCH_MODIFIED_INDEX", node.modified_index.to_string())
            .env("ETCD_WATCH_KEY", &node.key)
            .env("ETCD_WATCH_VALUE", &node.value)
            .spawn();
        match child {
            // etcdctl does not wait for the command before watching again; a thread reaps it.
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
            }
            Err(e) => {
                let text = if e.kind() == io::ErrorKind::NotFound && !program.contains('/') {
                    format!("exec: {program:?}: executable file not found in $PATH")
                } else {
                    format!("fork/exec {program}: {}", crate::go::errno_text(&e))
                };
                return Err(exit(1, text));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exec_watch_finds_key_and_command_as_etcdctl() {
        // urfave consumed the first `--`, so the key is last.
        assert_eq!(
            exec_watch_args(&strings(&["foo", "sh", "-c", "echo"])),
            Some(("echo".into(), strings(&["foo", "sh", "-c"])))
        );
        assert_eq!(
            exec_watch_args(&strings(&["foo", "--", "sh", "-c", "echo"])),
            Some(("foo".into(), strings(&["sh", "-c", "echo"])))
        );
        assert_eq!(exec_watch_args(&strings(&["foo"])), None);
    }
}
