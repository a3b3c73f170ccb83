//! `get`: read a key or a range of keys.

use clap::Args;

use crate::cli::values::{Suggest, go_int64};
use crate::commands::prelude::Workbench;
use crate::commands::range::RangeArgs;
use crate::error::CliError;
use crate::k8s::Decode;
use crate::output::{Format, PrintOptions, ResponseKind};
use crate::paged::DEFAULT_PAGE_BYTES;
use crate::pb::etcdserverpb::RangeRequest;
use crate::pb::etcdserverpb::range_request::{SortOrder, SortTarget};

/// Gets the key or a range of keys
///
/// Examples:
///   ectl get foo                 the key foo
///   ectl get k1 k4               keys in [k1, k4)
///   ectl get --prefix /registry  every key under /registry
///   ectl get --from-key b        every key >= b
///   ectl get --prefix /registry/pods/ --decode=k8s-yaml
///                                the pods a Kubernetes API server stored, as YAML
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct GetArgs {
    /// Linearizable(l) or Serializable(s)
    #[arg(long, default_value = "l", value_parser = Suggest(&["l", "s"]))]
    pub consistency: String,
    /// Order of results; ASCEND or DESCEND (ASCEND by default)
    #[arg(long, default_value = "", value_parser = Suggest(&["ASCEND", "DESCEND"]))]
    pub order: String,
    /// Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION
    #[arg(
        long,
        default_value = "",
        value_parser = Suggest(&["CREATE", "KEY", "MODIFY", "VALUE", "VERSION"]),
    )]
    pub sort_by: String,
    /// Maximum number of results
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub limit: i64,
    #[command(flatten)]
    pub range: RangeArgs,
    /// Get only the keys
    #[arg(long)]
    pub keys_only: bool,
    /// Get only the count
    #[arg(long)]
    pub count_only: bool,
    /// Only write values when using the "simple" output format
    #[arg(long)]
    pub print_value_only: bool,
    /// Minimum create revision
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub min_create_rev: i64,
    /// Maximum create revision
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub max_create_rev: i64,
    /// Minimum modification revision
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub min_mod_rev: i64,
    /// Maximum modification revision
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub max_mod_rev: i64,
    /// Bytes of keys and values per page when reading a range (ectl only; 0: one response)
    #[arg(long, default_value_t = DEFAULT_PAGE_BYTES)]
    pub page_size: usize,
    /// Show values that are Kubernetes objects (as an API server stores them) as JSON or YAML;
    /// other values print as they are (ectl only; simple format)
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub decode: Option<Decode>,
}

/// Turns `get` arguments into a Range request, rejecting bad combinations as etcdctl does.
pub fn plan(args: &GetArgs) -> Result<RangeRequest, CliError> {
    let Some(key) = args.range.key() else {
        return Err(CliError::bad_args(
            "get command needs one argument as key and an optional argument as range_end",
        ));
    };
    if args.keys_only && args.count_only {
        return Err(CliError::bad_args(
            "`--keys-only` and `--count-only` cannot be set at the same time, choose one",
        ));
    }
    let serializable = match args.consistency.as_str() {
        "l" => false,
        "s" => true,
        other => {
            return Err(CliError::bad_feature(format!(
                "unknown consistency flag {other:?}"
            )));
        }
    };
    let range = args.range.range_from(key, false)?;
    let sort_order = match args.order.to_uppercase().as_str() {
        "" => SortOrder::None,
        "ASCEND" => SortOrder::Ascend,
        "DESCEND" => SortOrder::Descend,
        _ => {
            return Err(CliError::bad_feature(format!(
                "bad sort order {}",
                args.order
            )));
        }
    };
    let sort_target = match args.sort_by.to_uppercase().as_str() {
        "" | "KEY" => SortTarget::Key,
        "CREATE" => SortTarget::Create,
        "MODIFY" => SortTarget::Mod,
        "VALUE" => SortTarget::Value,
        "VERSION" => SortTarget::Version,
        _ => {
            return Err(CliError::bad_feature(format!(
                "bad sort target {}",
                args.sort_by
            )));
        }
    };
    // The server returns keys in ascending key order anyway; asking for it explicitly would make
    // it sort the whole range before applying the limit.
    let sort_order = if sort_target == SortTarget::Key && sort_order == SortOrder::Ascend {
        SortOrder::None
    } else {
        sort_order
    };
    for (kind, min, max) in [
        ("CreateRev", args.min_create_rev, args.max_create_rev),
        ("ModRev", args.min_mod_rev, args.max_mod_rev),
    ] {
        if max > 0 && min > max {
            return Err(CliError::bad_feature(format!(
                "getMin{kind}(={min}) > getMax{kind}(={max})"
            )));
        }
    }
    Ok(RangeRequest {
        key: range.key,
        range_end: range.range_end,
        limit: args.limit,
        revision: args.range.rev.max(0),
        sort_order: sort_order as i32,
        sort_target: sort_target as i32,
        serializable,
        keys_only: args.keys_only,
        count_only: args.count_only,
        min_mod_revision: args.min_mod_rev.max(0),
        max_mod_revision: args.max_mod_rev.max(0),
        min_create_revision: args.min_create_rev.max(0),
        max_create_revision: args.max_create_rev.max(0),
    })
}

pub async fn run(args: GetArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let request = plan(&args)?;
    if args.count_only && ctx.format() != Format::Fields {
        return Err(CliError::bad_args("--count-only is only for `--write-out=fields`").into());
    }
    if args.print_value_only && ctx.format() != Format::Simple {
        return Err(CliError::bad_args("print-value-only is only for `--write-out=simple`").into());
    }
    ctx.ensure_format(ResponseKind::Get)?;
    let style = PrintOptions {
        value_only: args.print_value_only,
        ..ctx.decoding_style(args.decode)?
    };
    if super::paged::applies(&request, args.page_size) {
        let format = ctx.format();
        let (source, out) = ctx.source_and_out()?;
        return super::paged::print(source, request, args.page_size, format, style, out).await;
    }
    let response = ctx.source()?.range(request).await?;
    ctx.printer(style).get(&response)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(argv: &[&str]) -> Result<RangeRequest, CliError> {
        let parsed: GetArgs =
            crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
        plan(&parsed)
    }

    #[test]
    fn plain_range_and_flags() {
        let r = plan_of(&["k1", "k4", "--limit", "2", "--rev=7", "--consistency", "s"]).unwrap();
        assert_eq!(
            (r.key.as_slice(), r.range_end.as_slice()),
            (&b"k1"[..], &b"k4"[..])
        );
        assert_eq!((r.limit, r.revision, r.serializable), (2, 7, true));
    }

    #[test]
    fn sort_rules() {
        let r = plan_of(&["k", "--sort-by=key", "--order=ascend"]).unwrap();
        assert_eq!(r.sort_order, SortOrder::None as i32);
        let r = plan_of(&["k", "--sort-by=MODIFY", "--order=DESCEND"]).unwrap();
        assert_eq!(
            (r.sort_target, r.sort_order),
            (SortTarget::Mod as i32, SortOrder::Descend as i32)
        );
        assert_eq!(
            plan_of(&["k", "--order=up"]).unwrap_err().code,
            crate::error::ExitCode::BadFeature
        );
        assert_eq!(
            plan_of(&["k", "--sort-by=x"]).unwrap_err().message,
            "bad sort target x"
        );
    }

    #[test]
    fn argument_errors_are_etcdctls() {
        assert_eq!(
            plan_of(&[]).unwrap_err().code,
            crate::error::ExitCode::BadArgs
        );
        assert_eq!(
            plan_of(&["k", "--consistency=x"]).unwrap_err().message,
            "unknown consistency flag \"x\""
        );
        assert!(plan_of(&["k", "--keys-only", "--count-only"]).is_err());
        assert!(plan_of(&["k", "--min-mod-rev=5", "--max-mod-rev=3"]).is_err());
        assert!(plan_of(&["k", "--prefix=false", "--from-key"]).is_ok());
    }
}
