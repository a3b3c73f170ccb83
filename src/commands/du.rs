//! `du` (ectl only): what fills my database? Per-prefix totals from a paged scan at one
//! revision, grouped on a separator to a depth, largest first.

use std::collections::HashMap;
use std::ffi::OsString;

use clap::Args;

use crate::cli::values::go_int64;
use crate::commands::prelude::{Workbench, arg_bytes};
use crate::keys::prefix_range;
use crate::output::ResponseKind;
use crate::output::report::du::{Usage, UsageReport};
use crate::paged::{DEFAULT_PAGE_BYTES, Pages};
use crate::pb::etcdserverpb::RangeRequest;
use crate::term;

/// Shows what fills the keyspace, per prefix (ectl only)
///
/// Reads every key under PREFIX (default: all keys) page by page at one revision and sums, per
/// prefix: keys, key bytes, value bytes, keys with a lease, average and maximum version.
/// Prefixes end at the DEPTH-th separator after PREFIX (a leading separator does not count).
/// Sorted by bytes, largest first. A table on a terminal; -w simple, -w json for scripts.
///
/// Examples:
///   ectl du                                  top-level prefixes of the whole keyspace
///   ectl du /registry/ --depth 2 --top 10    the ten biggest /registry/<kind>/<namespace>/
///   ectl du --separator : app: -w json
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct DuArgs {
    /// levels of prefix below PREFIX to group keys by
    #[arg(long, default_value_t = 1)]
    pub depth: usize,
    /// show only the N largest prefixes (0: all); the total still counts every key
    #[arg(long, default_value_t = 0)]
    pub top: usize,
    /// what separates the levels of a key
    #[arg(long, default_value = "/")]
    pub separator: String,
    /// read at this revision (0: the current one)
    #[arg(long, default_value = "0", value_parser = go_int64)]
    pub rev: i64,
    /// at most this many keys per request (default: pages of about 3 MiB)
    #[arg(long, hide = true)]
    pub page_keys: Option<i64>,
    /// [prefix]
    #[arg(value_name = "PREFIX", add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completion::KEYS))]
    pub prefix: Option<OsString>,
}

/// The prefix `key` counts under: `prefix` plus `depth` levels of the rest, each ended by the
/// separator, or the whole key when it is not that deep. A separator right at the start of the
/// rest opens the first level instead of ending an empty one (`/registry/...`).
pub fn group_of<'k>(key: &'k [u8], prefix_len: usize, separator: &[u8], depth: usize) -> &'k [u8] {
    let rest = &key[prefix_len.min(key.len())..];
    if separator.is_empty() || depth == 0 {
        return &key[..prefix_len.min(key.len())];
    }
    let mut found = 0;
    let mut at = if rest.starts_with(separator) {
        separator.len()
    } else {
        0
    };
    while let Some(offset) = find(&rest[at..], separator) {
        let end = at + offset + separator.len();
        found += 1;
        if found == depth {
            return &key[..prefix_len + end];
        }
        at = end;
    }
    key
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub async fn run(args: DuArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    ctx.ensure_format(ResponseKind::Report)?;
    let prefix = args.prefix.as_deref().map(arg_bytes).unwrap_or_default();
    let (key, range_end) = prefix_range(&prefix);
    let source = ctx.source()?;
    let progress = term::progress::bar(None, "{spinner} {pos} keys read {per_sec}");
    let request = RangeRequest {
        key,
        range_end,
        revision: args.rev.max(0),
        ..RangeRequest::default()
    };
    let mut pages = Pages::new(source, request, DEFAULT_PAGE_BYTES).at_most_keys(args.page_keys);
    let mut groups: HashMap<Vec<u8>, Usage> = HashMap::new();
    let mut total = Usage::default();
    while let Some(page) = pages.next().await? {
        for kv in &page.kvs {
            let group = group_of(&kv.key, prefix.len(), args.separator.as_bytes(), args.depth);
            if let Some(usage) = groups.get_mut(group) {
                usage.add(kv);
            } else {
                let mut usage = Usage::default();
                usage.add(kv);
                groups.insert(group.to_vec(), usage);
            }
            total.add(kv);
        }
        if let Some(bar) = &progress {
            bar.inc(page.kvs.len() as u64);
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let mut rows: Vec<(Vec<u8>, Usage)> = groups.into_iter().collect();
    rows.sort_by(|(a, ua), (b, ub)| ub.bytes().cmp(&ua.bytes()).then_with(|| a.cmp(b)));
    if args.top > 0 {
        rows.truncate(args.top);
    }
    let report = UsageReport {
        revision: pages.revision(),
        rows,
        total,
        human_sizes: term::stdout_is_terminal(),
    };
    ctx.print_report(ctx.style(), &report)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_end_at_the_depth_th_separator() {
        let g = |key: &str, prefix: &str, depth| {
            String::from_utf8(group_of(key.as_bytes(), prefix.len(), b"/", depth).to_vec()).unwrap()
        };
        assert_eq!(g("/registry/pods/default/web", "", 1), "/registry/");
        assert_eq!(g("/registry/pods/default/web", "", 2), "/registry/pods/");
        assert_eq!(
            g("/registry/pods/default/web", "/registry/", 1),
            "/registry/pods/"
        );
        assert_eq!(
            g("/registry/pods/default/web", "/registry/", 2),
            "/registry/pods/default/"
        );
        // Not that deep: the key itself.
        assert_eq!(g("/registry/health", "/registry/", 2), "/registry/health");
        assert_eq!(g("plain", "", 1), "plain");
        assert_eq!(
            String::from_utf8(group_of(b"app::a::b", 0, b"::", 1).to_vec()).unwrap(),
            "app::"
        );
    }
}
