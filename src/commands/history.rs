//! `history` (ectl only): every version of a key or range that etcd still holds, read from the
//! cluster (one watch from the oldest retained revision) or, under `--db`, from a file.

use std::ffi::OsString;

use clap::Args;
use clap_complete::engine::ArgValueCompleter;

use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::{Workbench, arg_bytes};
use crate::error::CliError;
use crate::k8s::Decode;
use crate::keys::{KeyRange, key_range};
use crate::output::ResponseKind;
use crate::output::report::history::{History, Version};
use crate::pb::mvccpb::event::EventType;

/// Shows every version of a key that etcd still holds (ectl only)
///
/// Lists each version since the last compaction, oldest first: its revision, create revision,
/// version, lease and value (or only its size with --size-only), and deletions. A compaction
/// removed the versions before it; the first line says where that was (each key's version at
/// that revision is the oldest left). Reads one watch from the oldest revision kept, not a
/// request per version; with --db, the file.
///
/// Examples:
///   ectl history /config/app
///   ectl history --prefix /registry/configmaps/default/ --size-only
///   ectl history --diff --decode=k8s /registry/deployments/default/web
///   ectl --db backup.db history /config/app
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct HistoryArgs {
    /// every key with this prefix
    #[arg(long)]
    pub prefix: bool,
    /// print each value's size, not the value
    #[arg(long)]
    pub size_only: bool,
    /// print the lines that changed from a key's previous value (JSON values indented first)
    #[arg(long, conflicts_with = "size_only")]
    pub diff: bool,
    /// show values (and diff them) as decoded Kubernetes objects, JSON or YAML (simple format)
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub decode: Option<Decode>,
    /// <key> [range_end]
    #[arg(value_name = "KEY", add = ArgValueCompleter::new(Positional(&[Source::Keys, Source::Keys])))]
    pub args: Vec<OsString>,
}

pub fn plan(args: &HistoryArgs) -> Result<KeyRange, CliError> {
    let Some(key) = args.args.first() else {
        return Err(CliError::bad_args(
            "history needs one argument as key and an optional argument as range_end",
        ));
    };
    if args.args.len() > 2 {
        return Err(CliError::bad_args(
            "history takes at most a key and a range_end",
        ));
    }
    key_range(
        arg_bytes(key),
        args.args.get(1).map(|e| arg_bytes(e)),
        args.prefix,
        false,
    )
}

pub async fn run(args: HistoryArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let range = plan(&args)?;
    ctx.ensure_format(ResponseKind::Listing)?;
    let style = ctx.decoding_style(args.decode)?;
    let (compacted, events) = ctx.source()?.history(&range.key, &range.range_end).await?;
    let mut previous: std::collections::HashMap<Vec<u8>, String> = Default::default();
    let versions = events
        .into_iter()
        .filter_map(|event| {
            let deleted = event.r#type == EventType::Delete as i32;
            let kv = event.kv?;
            let diff = args.diff.then(|| {
                let before = previous.remove(&kv.key).unwrap_or_default();
                if deleted {
                    return Vec::new();
                }
                let after = text_of(&kv.value, args.decode);
                let lines = line_diff(&before, &after);
                previous.insert(kv.key.clone(), after);
                lines
            });
            Some(Version { deleted, kv, diff })
        })
        .collect();
    let history = History {
        compacted,
        versions,
        size_only: args.size_only,
    };
    ctx.print_report(style, &history)?;
    Ok(())
}

/// A value as the text its diff compares: a decoded Kubernetes object with `decode`, indented
/// JSON for a JSON object or array, else the bytes as UTF-8 (invalid bytes replaced).
fn text_of(value: &[u8], decode: Option<Decode>) -> String {
    if let Some(text) = decode.and_then(|d| crate::k8s::render(value, d)) {
        return String::from_utf8_lossy(&text).into_owned();
    }
    match serde_json::from_slice::<serde_json::Value>(value) {
        Ok(json @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
            serde_json::to_string_pretty(&json).unwrap_or_default()
        }
        _ => String::from_utf8_lossy(value).into_owned(),
    }
}

/// Larger texts than this many line pairs are shown as all removed and all added: the table a
/// line diff needs grows with their product.
const MAX_DIFF_CELLS: usize = 1 << 24;

/// The lines of `after` not in `before` (`+`) and the reverse (`-`), in order, from their
/// longest common subsequence; unchanged lines are left out.
fn line_diff(before: &str, after: &str) -> Vec<String> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > MAX_DIFF_CELLS {
        return a
            .iter()
            .map(|l| format!("-{l}"))
            .chain(b.iter().map(|l| format!("+{l}")))
            .collect();
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lines = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // A removed line before the one added in its place, as diff(1) lists them.
            lines.push(format!("-{}", a[i]));
            i += 1;
        } else {
            lines.push(format!("+{}", b[j]));
            j += 1;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diffs_keep_only_changes() {
        assert_eq!(line_diff("a\nb\nc", "a\nB\nc\nd"), ["-b", "+B", "+d"]);
        assert_eq!(line_diff("", "x"), ["+x"]);
        assert!(line_diff("same", "same").is_empty());
    }

    #[test]
    fn json_values_are_indented_before_the_diff() {
        assert_eq!(text_of(br#"{"a":1}"#, None), "{\n  \"a\": 1\n}");
        assert_eq!(text_of(b"12", None), "12");
        assert_eq!(text_of(b"plain", None), "plain");
    }

    #[test]
    fn plan_needs_a_key() {
        let plan_of = |argv: &[&str]| {
            let parsed: HistoryArgs =
                crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
            plan(&parsed)
        };
        assert!(plan_of(&[]).is_err());
        let r = plan_of(&["--prefix", "/a/"]).unwrap();
        assert_eq!((r.key, r.range_end), (b"/a/".to_vec(), b"/a0".to_vec()));
        assert!(plan_of(&["a", "b", "c"]).is_err());
    }
}
