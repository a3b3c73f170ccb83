//! `del`: delete a key or a range of keys.

use std::ffi::OsString;

use clap::Args;
use clap_complete::engine::ArgValueCompleter;

use super::safe_del;
use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::{Workbench, arg_bytes};
use crate::error::CliError;
use crate::keys::key_range;
use crate::output::ResponseKind;
use crate::pb::etcdserverpb::DeleteRangeRequest;

/// Removes the specified key or range of keys [key, range_end)
///
/// Examples:
///   ectl del foo
///   ectl del k1 k4            keys in [k1, k4)
///   ectl del --prefix /tmp/   every key under /tmp/
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct DelArgs {
    /// delete keys with matching prefix
    #[arg(long)]
    pub prefix: bool,
    /// return deleted key-value pairs
    #[arg(long)]
    pub prev_kv: bool,
    /// delete range of keys (etcdctl 3.5.6+ warns, and 3.6+ pauses 2 seconds, before deleting
    /// [key, range_end) without it; ectl, as etcdctl 3.4, never does, so it changes nothing)
    #[arg(long)]
    pub range: bool,
    /// delete keys that are greater than or equal to the given key using byte compare
    #[arg(long)]
    pub from_key: bool,
    /// ectl only: show how many keys the delete would remove, the first and last, and a sample;
    /// delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// ectl only: ask on the terminal before deleting more than one key (default: ECTL_CONFIRM)
    #[arg(long)]
    pub confirm: Option<bool>,
    /// ectl only: write the deleted keys to FILE, which `ectl import FILE` puts back
    #[arg(long, value_name = "FILE")]
    pub save_undo: Option<std::path::PathBuf>,
    /// ectl only: let --save-undo replace a FILE that exists
    #[arg(long, requires = "save_undo")]
    pub overwrite_undo: bool,
    /// <key> [range_end]
    #[arg(value_name = "KEY", add = ArgValueCompleter::new(Positional(&[Source::Keys, Source::Keys])))]
    pub args: Vec<OsString>,
}

pub fn plan(args: &DelArgs) -> Result<DeleteRangeRequest, CliError> {
    let [key, rest @ ..] = args.args.as_slice() else {
        return Err(needs_args());
    };
    if rest.len() > 1 {
        return Err(needs_args());
    }
    let range = key_range(
        arg_bytes(key),
        rest.first().map(|e| arg_bytes(e)),
        args.prefix,
        args.from_key,
    )?;
    Ok(DeleteRangeRequest {
        key: range.key,
        range_end: range.range_end,
        prev_kv: args.prev_kv,
    })
}

fn needs_args() -> CliError {
    CliError::bad_args(
        "del command needs one argument as key and an optional argument as range_end",
    )
}

pub async fn run(args: DelArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    // Arguments first, then the format, as etcdctl checks them (`del -w table` with no key is
    // a usage error there too).
    let request = plan(&args)?;
    ctx.ensure_format(ResponseKind::Del)?;
    if args.dry_run {
        let preview = safe_del::preview(ctx.client()?, &request).await?;
        ctx.print_report(ctx.style(), &preview)?;
        return Ok(());
    }
    // The undo file first: refusing an existing one must not cost a question.
    let undo = args
        .save_undo
        .as_deref()
        .map(|path| safe_del::UndoFile::create(path, args.overwrite_undo))
        .transpose()?;
    if let Some(asked_by) = safe_del::confirm_wanted(args.confirm, &|name| std::env::var_os(name)) {
        safe_del::confirm(ctx.client()?, &request, asked_by).await?;
    }
    let request = DeleteRangeRequest {
        prev_kv: request.prev_kv || undo.is_some(),
        ..request
    };
    let mut response = ctx.client()?.delete_range(request).await?;
    if let Some(undo) = undo {
        undo.write(&response)?;
        if !args.prev_kv {
            response.prev_kvs.clear();
        }
    }
    let style = ctx.style();
    ctx.printer(style).del(&response)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(argv: &[&str]) -> Result<DeleteRangeRequest, CliError> {
        let parsed: DelArgs =
            crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
        plan(&parsed)
    }

    #[test]
    fn ranges_and_argument_counts() {
        let r = plan_of(&["a", "c", "--prev-kv"]).unwrap();
        assert_eq!(
            (r.key, r.range_end, r.prev_kv),
            (b"a".to_vec(), b"c".to_vec(), true)
        );
        assert_eq!(plan_of(&["p", "--prefix"]).unwrap().range_end, b"q");
        assert!(plan_of(&[]).is_err());
        assert!(plan_of(&["a", "b", "c"]).is_err());
    }
}
