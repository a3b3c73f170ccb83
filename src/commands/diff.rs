//! `diff` (ectl only): where do two views of the keyspace differ? Two revisions of one cluster,
//! two clusters, or every member's own (serializable) copy. Both sides are read page by page
//! and merged in key order, so memory grows with the differences, not the keyspace.

use std::collections::VecDeque;
use std::ffi::OsString;

use clap::{ArgAction, Args};

use crate::cli::values::go_int64;
use crate::client::{self, Client};
use crate::commands::prelude::{Workbench, arg_bytes, open_db};
use crate::error::{CliError, ExitCode, Verbatim};
use crate::keys::prefix_range;
use crate::output::ResponseKind;
use crate::output::report::diff::{Comparison, Comparisons, Difference, Side};
use crate::paged::{DEFAULT_PAGE_BYTES, KvSource, Pages};
use crate::pb::etcdserverpb::RangeRequest;
use crate::pb::mvccpb::KeyValue;

/// Shows keys added, changed and deleted between two views (ectl only)
///
/// Compares the keys under PREFIX (default: all keys) between:
///   --rev A --rev B            two revisions of the cluster (one --rev: A against now)
///   --endpoints-a/--endpoints-b two clusters (for example after make-mirror)
///   --members                  every member's own copy, against the most advanced one
///   --db FILE [--db-b FILE2]   a db file against the cluster at --endpoints (or against
///                              FILE2); with --rev, two revisions of the file
/// Changed means a different value (members: a different mod revision). Prints nothing and
/// exits 0 when the views are equal, lists `-`/`+` lines and exits 1 when they differ.
///
/// Examples:
///   ectl diff --rev 120 --rev 150 /registry/
///   ectl diff --endpoints-a=10.0.0.1:2379 --endpoints-b=10.0.1.1:2379 -w json
///   ectl diff --members
///   ectl --db backup.db diff /registry/       what changed since the backup
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct DiffArgs {
    /// a revision to compare (give it twice: A then B)
    #[arg(long, action = ArgAction::Append, value_parser = go_int64)]
    pub rev: Vec<i64>,
    /// the first cluster's endpoints (default: --endpoints)
    #[arg(long, value_delimiter = ',')]
    pub endpoints_a: Vec<String>,
    /// the second cluster's endpoints (TLS and user settings are shared with the first)
    #[arg(long, value_delimiter = ',')]
    pub endpoints_b: Vec<String>,
    /// compare every member's serializable view (member list)
    #[arg(long, conflicts_with_all = ["rev", "endpoints_a", "endpoints_b"])]
    pub members: bool,
    /// the second side: this db file instead of a cluster (the first is --db's, or a cluster)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["rev", "endpoints_b", "members"])]
    pub db_b: Option<std::path::PathBuf>,
    /// at most this many keys per request (default: pages of about 3 MiB)
    #[arg(long, hide = true)]
    pub page_keys: Option<i64>,
    /// [prefix]
    #[arg(value_name = "PREFIX", add = clap_complete::engine::ArgValueCompleter::new(crate::commands::completion::KEYS))]
    pub prefix: Option<OsString>,
}

/// How two views are compared, decided from the flags before anything is sent.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    Revisions(i64, i64),
    Clusters,
    Members,
}

/// `db`: whether `--db` names a file, which is then side A.
pub fn plan(args: &DiffArgs, db: bool) -> Result<Plan, CliError> {
    if args.members {
        return match db {
            true => Err(CliError::bad_args(
                "--members compares the members of a cluster, not a --db file",
            )),
            false => Ok(Plan::Members),
        };
    }
    if db && !args.endpoints_a.is_empty() {
        return Err(CliError::bad_args(
            "--db is the first side; --endpoints-a names another",
        ));
    }
    let clusters =
        !args.endpoints_a.is_empty() || !args.endpoints_b.is_empty() || args.db_b.is_some();
    match (clusters, args.rev.as_slice()) {
        (true, []) if !args.endpoints_b.is_empty() || args.db_b.is_some() => Ok(Plan::Clusters),
        (false, []) if db => Ok(Plan::Clusters),
        (true, []) => Err(CliError::bad_args("--endpoints-a needs --endpoints-b")),
        (true, _) => Err(CliError::bad_args(
            "--rev compares revisions of one cluster; two clusters are compared as they are now",
        )),
        (false, [a]) => Ok(Plan::Revisions(*a, 0)),
        (false, [a, b]) => Ok(Plan::Revisions(*a, *b)),
        (false, []) => Err(CliError::bad_args(
            "diff needs --rev A [--rev B], --endpoints-a/--endpoints-b, or --members",
        )),
        (false, _) => Err(CliError::bad_args("diff takes at most two --rev")),
    }
}

pub async fn run(args: DiffArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let plan = plan(&args, ctx.settings.db.is_some())?;
    ctx.ensure_format(ResponseKind::Listing)?;
    let prefix = args.prefix.as_deref().map(arg_bytes).unwrap_or_default();
    let range = prefix_range(&prefix);
    let page = args.page_keys;
    let comparisons = match plan {
        Plan::Revisions(a, b) => {
            let source = ctx.source()?;
            let left = View::new(source, &range, a, page, false);
            let right = View::new(source, &range, b, page, false);
            vec![compare(left, String::new(), right, String::new(), false).await?]
        }
        Plan::Clusters => {
            let config = ctx.client_config()?;
            let cluster = |endpoints: &[String]| {
                let endpoints = if endpoints.is_empty() {
                    config.endpoints.clone()
                } else {
                    endpoints.to_vec()
                };
                ctx.new_client(client::Config {
                    endpoints,
                    ..config.clone()
                })
            };
            let a = match &ctx.settings.db {
                Some(path) => Whole::file(path)?,
                None => Whole::cluster(cluster(&args.endpoints_a)?),
            };
            let b = match &args.db_b {
                Some(path) => Whole::file(path)?,
                None => Whole::cluster(cluster(&args.endpoints_b)?),
            };
            let left = View::new(a.source.as_ref(), &range, 0, page, false);
            let right = View::new(b.source.as_ref(), &range, 0, page, false);
            vec![compare(left, a.label, right, b.label, false).await?]
        }
        Plan::Members => members(ctx, &range, page).await?,
    };
    ctx.print_report(ctx.style(), &Comparisons(&comparisons))?;
    let differences: usize = comparisons.iter().map(|c| c.differences.len()).sum();
    match differences {
        0 => Ok(()),
        // diff(1)'s status; the listing on stdout says what differs.
        n => Err(Verbatim {
            code: ExitCode::Error,
            message: format!("{n} difference{}", if n == 1 { "" } else { "s" }),
        }
        .into()),
    }
}

/// Each member against the member with the highest revision. A member whose whole keyspace
/// hashes (HashKV) like the reference's at the same revision is equal without reading a key;
/// the others are compared key by key on keys and revisions only, values unread.
async fn members(
    ctx: &mut Workbench<'_>,
    range: &(Vec<u8>, Vec<u8>),
    page: Option<i64>,
) -> anyhow::Result<Vec<Comparison>> {
    let urls = ctx.endpoints(true).await?;
    let config = ctx.client_config()?;
    let mut members = Vec::new();
    for url in urls {
        let client = ctx.new_client(client::Config {
            endpoints: vec![url.clone()],
            ..config.clone()
        })?;
        let hash = client
            .hash_kv(0)
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("member {url}")))?;
        members.push((url, client, hash));
    }
    let revision =
        |h: &crate::pb::etcdserverpb::HashKvResponse| h.header.as_ref().map_or(0, |h| h.revision);
    let Some(reference) = (0..members.len()).max_by_key(|&i| revision(&members[i].2)) else {
        return Ok(Vec::new());
    };
    let mut comparisons = Vec::new();
    let (ref_url, ref_client, ref_hash) = &members[reference];
    for (i, (url, client, hash)) in members.iter().enumerate() {
        if i == reference {
            continue;
        }
        if revision(hash) == revision(ref_hash) && hash.hash == ref_hash.hash {
            continue;
        }
        let left = View::new(ref_client, range, 0, page, true);
        let right = View::new(client, range, 0, page, true);
        comparisons.push(compare(left, ref_url.clone(), right, url.clone(), true).await?);
    }
    Ok(comparisons)
}

/// A side compared as it is now: a cluster, or a db file; and what the listing calls it.
struct Whole {
    source: Box<dyn KvSource>,
    label: String,
}

impl Whole {
    fn file(path: &std::path::Path) -> Result<Whole, CliError> {
        Ok(Whole {
            source: Box::new(open_db(path)?),
            label: path.display().to_string(),
        })
    }

    fn cluster(client: Client) -> Whole {
        Whole {
            label: client.config().endpoints.join(","),
            source: Box::new(client),
        }
    }
}

/// One side's keys in order, a page at a time.
struct View<'c> {
    pages: Pages<'c>,
    buffered: VecDeque<KeyValue>,
    keys_only: bool,
}

impl<'c> View<'c> {
    fn new(
        source: &'c dyn KvSource,
        (key, end): &(Vec<u8>, Vec<u8>),
        revision: i64,
        page_keys: Option<i64>,
        member: bool,
    ) -> View<'c> {
        // A member's own copy: serializable, so it answers from its state, lagging or not.
        let request = RangeRequest {
            key: key.clone(),
            range_end: end.clone(),
            revision,
            serializable: member,
            keys_only: member,
            ..RangeRequest::default()
        };
        View {
            pages: Pages::new(source, request, DEFAULT_PAGE_BYTES).at_most_keys(page_keys),
            buffered: VecDeque::new(),
            keys_only: member,
        }
    }

    async fn next(&mut self) -> anyhow::Result<Option<KeyValue>> {
        while self.buffered.is_empty() {
            match self.pages.next().await? {
                Some(page) if page.kvs.is_empty() => return Ok(None),
                Some(page) => self.buffered.extend(page.kvs),
                None => return Ok(None),
            }
        }
        Ok(self.buffered.pop_front())
    }

    fn same(&self, a: &KeyValue, b: &KeyValue) -> bool {
        if self.keys_only {
            a.mod_revision == b.mod_revision
        } else {
            a.value == b.value
        }
    }
}

async fn compare(
    mut a: View<'_>,
    a_label: String,
    mut b: View<'_>,
    b_label: String,
    keys_only: bool,
) -> anyhow::Result<Comparison> {
    let mut differences = Vec::new();
    let (mut x, mut y) = (a.next().await?, b.next().await?);
    loop {
        let order = match (&x, &y) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(p), Some(q)) => p.key.cmp(&q.key),
        };
        match order {
            std::cmp::Ordering::Less => {
                differences.push(Difference {
                    a: x.take(),
                    b: None,
                });
                x = a.next().await?;
            }
            std::cmp::Ordering::Greater => {
                differences.push(Difference {
                    a: None,
                    b: y.take(),
                });
                y = b.next().await?;
            }
            std::cmp::Ordering::Equal => {
                let (p, q) = (x.take(), y.take());
                if let (Some(p), Some(q)) = (&p, &q)
                    && !a.same(p, q)
                {
                    differences.push(Difference {
                        a: Some(p.clone()),
                        b: Some(q.clone()),
                    });
                }
                x = a.next().await?;
                y = b.next().await?;
            }
        }
    }
    Ok(Comparison {
        a: Side {
            label: a_label,
            revision: a.pages.revision(),
        },
        b: Side {
            label: b_label,
            revision: b.pages.revision(),
        },
        differences,
        keys_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(argv: &[&str]) -> Result<Plan, CliError> {
        let parsed: DiffArgs =
            crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
        plan(&parsed, false)
    }

    #[test]
    fn modes_from_flags() {
        assert_eq!(
            plan_of(&["--rev", "3", "--rev=5"]).unwrap(),
            Plan::Revisions(3, 5)
        );
        assert_eq!(plan_of(&["--rev", "3"]).unwrap(), Plan::Revisions(3, 0));
        assert_eq!(plan_of(&["--endpoints-b=h:1"]).unwrap(), Plan::Clusters);
        assert_eq!(plan_of(&["--members", "p"]).unwrap(), Plan::Members);
        assert!(plan_of(&[]).is_err());
        assert!(plan_of(&["--endpoints-a=h:1"]).is_err());
        assert!(plan_of(&["--endpoints-b=h:1", "--rev=2"]).is_err());
        assert!(plan_of(&["--rev=1", "--rev=2", "--rev=3"]).is_err());
        let offline = |argv: &[&str]| {
            let parsed: DiffArgs =
                crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
            plan(&parsed, true)
        };
        assert_eq!(offline(&[]).unwrap(), Plan::Clusters);
        assert_eq!(offline(&["--db-b=f"]).unwrap(), Plan::Clusters);
        assert_eq!(offline(&["--rev=3"]).unwrap(), Plan::Revisions(3, 0));
        assert!(offline(&["--members"]).is_err());
        assert!(offline(&["--endpoints-a=h:1"]).is_err());
    }
}
