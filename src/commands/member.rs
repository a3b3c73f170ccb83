//! `member add|remove|update|list|promote`: cluster membership.

use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCompleter;

use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::Workbench;
use crate::error::CliError;
use crate::go;
use crate::output::{NewMember, ResponseKind};
use crate::pb::etcdserverpb::{MemberAddRequest, MemberListRequest, MemberUpdateRequest};

/// Membership related commands
///
/// Examples:
///   ectl member list -w table
///   ectl member add infra4 --peer-urls=http://10.0.0.4:2380 --learner
///   ectl member promote 8e9e05c52164694d
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct MemberArgs {
    #[command(subcommand)]
    pub command: MemberCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum MemberCommand {
    Add(AddArgs),
    Remove(RemoveArgs),
    Update(UpdateArgs),
    List(ListArgs),
    Promote(PromoteArgs),
}

/// Adds a member into the cluster
///
/// Examples:
///   ectl member add infra3 --peer-urls=http://10.0.0.3:2380
///   ectl member add infra4 --peer-urls=http://10.0.0.4:2380 --learner
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct AddArgs {
    /// comma separated peer URLs for the new member.
    #[arg(long, default_value = "")]
    pub peer_urls: String,
    /// indicates if the new member is raft learner
    #[arg(long)]
    pub learner: bool,
    /// <memberName>
    #[arg(value_name = "NAME")]
    pub args: Vec<String>,
}

/// Removes a member from the cluster
///
/// Example:
///   ectl member remove 8e9e05c52164694d
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct RemoveArgs {
    /// <memberID> (hexadecimal)
    #[arg(value_name = "MEMBER_ID", add = ArgValueCompleter::new(Positional(&[Source::Members])))]
    pub args: Vec<String>,
}

/// Promotes a non-voting member in the cluster
///
/// Promotes a non-voting learner member to a voting one in the cluster; etcd refuses until
/// the learner has caught up with the leader.
///
/// Example:
///   ectl member promote 8e9e05c52164694d
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct PromoteArgs {
    /// <memberID> (hexadecimal)
    #[arg(value_name = "MEMBER_ID", add = ArgValueCompleter::new(Positional(&[Source::Members])))]
    pub args: Vec<String>,
}

/// Updates a member in the cluster
///
/// Example:
///   ectl member update 8e9e05c52164694d --peer-urls=http://10.0.0.1:2380
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct UpdateArgs {
    /// comma separated peer URLs for the updated member.
    #[arg(long, default_value = "")]
    pub peer_urls: String,
    /// <memberID>
    #[arg(value_name = "MEMBER_ID", add = ArgValueCompleter::new(Positional(&[Source::Members])))]
    pub args: Vec<String>,
}

/// Lists all members in the cluster
///
/// When --write-out is set to simple, this command prints out comma-separated member lists
/// for each endpoint. The items in the lists are ID, Status, Name, Peer Addrs, Client Addrs,
/// Is Learner.
///
/// --consistency (etcdctl 3.6) asks etcd >= 3.5 for a linearizable (l) or serializable (s)
/// list; without it the request is etcdctl 3.4's, which etcd answers from the member's own view
/// (etcdctl 3.6 defaults to l). An etcd 3.4 server ignores the choice.
///
/// Examples:
///   ectl member list -w table
///   ectl member list --hex -w json
///   ectl member list --consistency=l
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct ListArgs {
    /// Linearizable(l) or Serializable(s)
    #[arg(long, value_name = "l|s")]
    pub consistency: Option<String>,
}

/// The request `member list` sends: 3.4's (no field set) unless `--consistency` is given.
pub fn list_plan(args: &ListArgs) -> Result<MemberListRequest, CliError> {
    let linearizable = match args.consistency.as_deref() {
        None | Some("s") => false,
        Some("l") => true,
        Some(other) => {
            return Err(CliError::bad_feature(format!(
                "unknown consistency flag {other:?}"
            )));
        }
    };
    Ok(MemberListRequest { linearizable })
}

/// clientv3's check of peer URLs (etcd's `types.NewURLs`), with its messages: an http(s) or
/// unix(s) URL with a `host:port` and no path.
pub fn check_peer_urls(urls: &str) -> Result<Vec<String>, CliError> {
    let mut out = Vec::new();
    for raw in urls.split(',') {
        let url = raw.trim();
        let scheme_end = url.find(':').filter(|&i| {
            url[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                && url[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        let Some(scheme_end) = scheme_end else {
            if url
                .split('/')
                .next()
                .is_some_and(|first| first.contains(':'))
            {
                return Err(CliError::error(format!(
                    "parse {}: first path segment in URL cannot contain colon",
                    go::quote(url.as_bytes())
                )));
            }
            return Err(CliError::error(format!(
                "URL scheme must be http, https, unix, or unixs: {url}"
            )));
        };
        let scheme = url[..scheme_end].to_ascii_lowercase();
        if !["http", "https", "unix", "unixs"].contains(&scheme.as_str()) {
            return Err(CliError::error(format!(
                "URL scheme must be http, https, unix, or unixs: {url}"
            )));
        }
        let rest = url[scheme_end + 1..].strip_prefix("//").unwrap_or("");
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (host, path) = rest.split_at(host_end);
        let port_ok = match host.rsplit_once(':') {
            Some((h, _)) if h.starts_with('[') => h.ends_with(']'),
            Some((h, _)) => !h.contains(':'),
            None => false,
        };
        if !port_ok {
            return Err(CliError::error(format!(
                "URL address does not have the form \"host:port\": {url}"
            )));
        }
        if !path.is_empty() && !path.starts_with(['?', '#']) {
            return Err(CliError::error(format!(
                "URL must not contain a path: {url}"
            )));
        }
        out.push(raw.to_string());
    }
    Ok(out)
}

/// The one member ID argument, as etcdctl checks it.
pub fn member_id(args: &[String]) -> Result<u64, CliError> {
    let [id] = args else {
        return Err(CliError::bad_args("member ID is not provided"));
    };
    go::parse_hex_u64(id)
        .map_err(|e| CliError::bad_args(format!("bad member ID arg ({e}), expecting ID in Hex")))
}

/// `member add`'s request and the new member's name.
pub fn plan_add(args: &AddArgs) -> Result<(String, MemberAddRequest), CliError> {
    let name = match args.args.as_slice() {
        [] => return Err(CliError::bad_args("member name not provided")),
        [name] => name.clone(),
        many => {
            let mut message = String::from("too many arguments");
            for s in many {
                if s.to_lowercase().starts_with("http") {
                    message.push_str(&format!(", did you mean --peer-urls={s}"));
                }
            }
            return Err(CliError::bad_args(message));
        }
    };
    if args.peer_urls.is_empty() {
        return Err(CliError::bad_args("member peer urls not provided"));
    }
    Ok((
        name,
        MemberAddRequest {
            peer_ur_ls: check_peer_urls(&args.peer_urls)?,
            is_learner: args.learner,
        },
    ))
}

pub async fn run(args: MemberArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    match args.command {
        MemberCommand::Add(args) => {
            let (name, request) = plan_add(&args)?;
            ctx.ensure_format(ResponseKind::MemberChange)?;
            let resp = ctx.client()?.member_add(request).await?;
            let new = NewMember {
                name: &name,
                peer_urls: &args.peer_urls,
            };
            ctx.printer(ctx.style()).member_add(new, &resp)?;
        }
        MemberCommand::Remove(args) => {
            let id = member_id(&args.args)?;
            ctx.ensure_format(ResponseKind::MemberChange)?;
            let resp = ctx.client()?.member_remove(id).await?;
            ctx.printer(ctx.style()).member_remove(id, &resp)?;
        }
        MemberCommand::Update(args) => {
            let id = member_id(&args.args)?;
            if args.peer_urls.is_empty() {
                return Err(CliError::bad_args("member peer urls not provided").into());
            }
            ctx.ensure_format(ResponseKind::MemberChange)?;
            let request = MemberUpdateRequest {
                id,
                peer_ur_ls: check_peer_urls(&args.peer_urls)?,
            };
            let resp = ctx.client()?.member_update(request).await?;
            ctx.printer(ctx.style()).member_update(id, &resp)?;
        }
        MemberCommand::List(a) => {
            let request = list_plan(&a)?;
            ctx.ensure_format(ResponseKind::MemberList)?;
            let resp = ctx.client()?.member_list(request).await?;
            ctx.printer(ctx.style()).member_list(&resp)?;
        }
        MemberCommand::Promote(args) => {
            let id = member_id(&args.args)?;
            ctx.ensure_format(ResponseKind::MemberChange)?;
            let resp = ctx.client()?.member_promote(id).await?;
            ctx.printer(ctx.style()).member_promote(id, &resp)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    #[test]
    fn list_consistency_is_3_4s_request_unless_chosen() {
        let plan = |argv: &[&str]| {
            let args: ListArgs = crate::commands::prelude::try_parse_args(argv).unwrap();
            list_plan(&args)
        };
        assert_eq!(plan(&[]).unwrap(), MemberListRequest::default());
        assert!(plan(&["--consistency=l"]).unwrap().linearizable);
        assert!(!plan(&["--consistency", "s"]).unwrap().linearizable);
        let e = plan(&["--consistency=x"]).unwrap_err();
        assert_eq!(e.code, ExitCode::BadFeature);
        assert_eq!(e.to_string(), "unknown consistency flag \"x\"");
    }

    #[test]
    fn member_ids_are_hex_as_go_parses_them() {
        let e = member_id(&["x".into()]).unwrap_err();
        assert_eq!(e.code, ExitCode::BadArgs);
        assert_eq!(
            e.to_string(),
            "bad member ID arg (strconv.ParseUint: parsing \"x\": invalid syntax), expecting ID in Hex"
        );
        assert_eq!(
            member_id(&[]).unwrap_err().to_string(),
            "member ID is not provided"
        );
    }

    #[test]
    fn peer_urls_are_checked_as_clientv3() {
        assert_eq!(
            check_peer_urls("http://a:1, https://[::1]:2").unwrap(),
            ["http://a:1", " https://[::1]:2"]
        );
        for (urls, message) in [
            (
                "notaurl",
                "URL scheme must be http, https, unix, or unixs: notaurl",
            ),
            (
                "localhost:2380",
                "URL scheme must be http, https, unix, or unixs: localhost:2380",
            ),
            (
                "127.0.0.1:2380",
                "parse \"127.0.0.1:2380\": first path segment in URL cannot contain colon",
            ),
            (
                "http://a",
                "URL address does not have the form \"host:port\": http://a",
            ),
            ("http://a:1/x", "URL must not contain a path: http://a:1/x"),
        ] {
            assert_eq!(check_peer_urls(urls).unwrap_err().to_string(), message);
        }
    }

    #[test]
    fn add_checks_arguments_as_etcdctl() {
        let args = |a: &[&str], urls: &str| AddArgs {
            peer_urls: urls.into(),
            learner: false,
            args: a.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            plan_add(&args(&[], "http://a")).unwrap_err().to_string(),
            "member name not provided"
        );
        assert_eq!(
            plan_add(&args(&["n", "http://a:2380"], ""))
                .unwrap_err()
                .to_string(),
            "too many arguments, did you mean --peer-urls=http://a:2380"
        );
        assert_eq!(
            plan_add(&args(&["n"], "")).unwrap_err().to_string(),
            "member peer urls not provided"
        );
        let (name, req) = plan_add(&args(&["n"], "http://a:1,http://b:2")).unwrap();
        assert_eq!(name, "n");
        assert_eq!(req.peer_ur_ls, ["http://a:1", "http://b:2"]);
    }
}
