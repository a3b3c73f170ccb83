//! `elect <name> [proposal] [-l]`: campaign in, or observe, a leader election through the
//! v3election service (the same keys as etcdctl's client-side elections, `<name>/<lease>`).

use std::ffi::OsString;
use std::io::Write;

use clap::Args;

use crate::client::session::{DEFAULT_SESSION_TTL, Session, SessionLost};
use crate::client::{self, Client};
use crate::commands::prelude::{Workbench, arg_bytes};
use crate::commands::process::Interrupts;
use crate::error::CliError;
use crate::go;
use crate::output::{self, Format, PrintOptions, ResponseKind};
use crate::pb::etcdserverpb::{RangeRequest, RangeResponse};
use crate::pb::v3electionpb::LeaderKey;

/// Observes and participates in leader election
///
/// With a proposal, campaigns: once elected prints the leader key and value, and stays leader
/// until Ctrl-C, then resigns. With -l, prints every leader (key and value) as it is elected.
///
/// Examples:
///   ectl elect myelection node-1
///   ectl elect -l myelection
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct ElectArgs {
    /// observation mode
    #[arg(short, long)]
    pub listen: bool,
    /// <election-name> [proposal]
    #[arg(value_name = "ELECTION_NAME")]
    pub args: Vec<OsString>,
}

/// What `elect` was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    Observe { name: Vec<u8> },
    Campaign { name: Vec<u8>, proposal: Vec<u8> },
}

pub fn plan(args: &ElectArgs) -> Result<Plan, CliError> {
    match (args.args.as_slice(), args.listen) {
        ([name], true) => Ok(Plan::Observe {
            name: arg_bytes(name),
        }),
        ([_], false) => Err(CliError::bad_args("no proposal argument but -l not set")),
        ([name, proposal], false) => Ok(Plan::Campaign {
            name: arg_bytes(name),
            proposal: arg_bytes(proposal),
        }),
        ([_, _], true) => Err(CliError::bad_args("proposal given but -l is set")),
        _ => Err(CliError::bad_args(
            "elect takes one election name argument and an optional proposal argument",
        )),
    }
}

pub async fn run(args: ElectArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    ctx.ensure_format(ResponseKind::Get)?;
    let mut interrupts = Interrupts::install()?;
    let (format, style) = (ctx.format(), ctx.style());
    let (client, out) = ctx.client_and_out()?;
    let output: Output<'_> = (format, style, out);
    match plan {
        Plan::Observe { name } => observe(client, name, &mut interrupts, output).await,
        Plan::Campaign { name, proposal } => {
            let session = Session::start(client, DEFAULT_SESSION_TTL).await?;
            let mut leader = None;
            let result = campaign(
                client,
                &session,
                (name, proposal),
                &mut leader,
                &mut interrupts,
                output,
            )
            .await;
            let resigned = match leader {
                Some(leader) => client.resign(leader).await.map(drop),
                None => Ok(()),
            };
            let revoked = session.close().await;
            result?;
            resigned?;
            revoked?;
            Ok(())
        }
    }
}

type Output<'o> = (Format, PrintOptions, &'o mut dyn Write);

/// Prints every leader until Ctrl-C, as etcdctl prints each of clientv3's observed responses:
/// a Get response holding just the header and the leader's key-value.
async fn observe(
    client: &Client,
    name: Vec<u8>,
    interrupts: &mut Interrupts,
    (format, style, out): Output<'_>,
) -> anyhow::Result<()> {
    let mut leaders = client.observe(name);
    loop {
        let leader = tokio::select! {
            _ = interrupts.recv() => return Ok(()),
            leader = leaders.next() => leader?,
        };
        let resp = RangeResponse {
            header: leader.header,
            kvs: leader.kv.into_iter().collect(),
            ..Default::default()
        };
        output::printer(format, style, &mut *out).get(&resp)?;
        out.flush()?;
    }
}

/// Campaigns until elected (setting `leader`), prints the leader key, then leads until Ctrl-C.
async fn campaign(
    client: &Client,
    session: &Session<'_>,
    (name, proposal): (Vec<u8>, Vec<u8>),
    leader: &mut Option<LeaderKey>,
    interrupts: &mut Interrupts,
    (format, style, out): Output<'_>,
) -> anyhow::Result<()> {
    let keep_alive = session.keep_alive();
    tokio::pin!(keep_alive);
    let elected = tokio::select! {
        elected = client.campaign(name, session.lease(), proposal) => elected?,
        lost = &mut keep_alive => return Err(session_lost(lost)),
        _ = interrupts.recv() => return Err(CliError::error(go::CONTEXT_CANCELED).into()),
    };
    let Some(key) = elected.leader else {
        return Err(client::Error::Config("campaign answered without a leader key".into()).into());
    };
    let get = RangeRequest {
        key: key.key.clone(),
        ..Default::default()
    };
    *leader = Some(key);
    let resp = client.range(get).await?;
    output::printer(format, style, &mut *out).get(&resp)?;
    out.flush()?;
    tokio::select! {
        _ = interrupts.recv() => Ok(()),
        lost = &mut keep_alive => Err(session_lost(lost)),
    }
}

fn session_lost(lost: SessionLost) -> anyhow::Error {
    match lost {
        SessionLost::Expired => CliError::error("elect: session expired").into(),
        SessionLost::Failed(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ExitCode;

    fn plan_of(listen: bool, args: &[&str]) -> Result<Plan, CliError> {
        plan(&ElectArgs {
            listen,
            args: args.iter().map(OsString::from).collect(),
        })
    }

    #[test]
    fn arguments_are_checked_as_etcdctl_checks_them() {
        assert_eq!(
            plan_of(true, &["e"]).unwrap(),
            Plan::Observe {
                name: b"e".to_vec()
            }
        );
        assert_eq!(
            plan_of(false, &["e", "p"]).unwrap(),
            Plan::Campaign {
                name: b"e".to_vec(),
                proposal: b"p".to_vec()
            }
        );
        for (listen, args, message) in [
            (false, &["e"][..], "no proposal argument but -l not set"),
            (true, &["e", "p"][..], "proposal given but -l is set"),
            (
                false,
                &[][..],
                "elect takes one election name argument and an optional proposal argument",
            ),
            (
                true,
                &["a", "b", "c"][..],
                "elect takes one election name argument and an optional proposal argument",
            ),
        ] {
            let e = plan_of(listen, args).unwrap_err();
            assert_eq!((e.code, e.message.as_str()), (ExitCode::BadArgs, message));
        }
    }
}
