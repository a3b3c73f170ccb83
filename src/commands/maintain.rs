//! `maintain` (ectl only): compact and defragment a whole cluster safely. It starts from the
//! survey `status` prints and stops before touching anything when a member is unhealthy; then
//! it compacts (if asked), defragments the followers one at a time, moves leadership away from
//! the leader and defragments it last, checking each member's health after it, and disarms
//! NOSPACE alarms at the end. It never goes on past a failed member.

use std::time::{Duration, Instant};

use clap::Args;

use crate::cli::values::{go_duration, go_int64};
use crate::client::Client;
use crate::commands::prelude::Workbench;
use crate::commands::survey::{alarm_list, check_health, survey};
use crate::error::CliError;
use crate::output::ResponseKind;
use crate::output::report::maintain::{
    DbSize, Failure, MaintainEvent, MaintainReport, MaintainRow, Outcome,
};
use crate::output::report::status::{ClusterView, MemberState};
use crate::pb::etcdserverpb::alarm_request::AlarmAction;
use crate::pb::etcdserverpb::{AlarmRequest, AlarmType, CompactionRequest, StatusResponse};
use crate::term::progress;

/// Compacts and defragments every member of the cluster, one at a time (ectl only)
///
/// 1. Checks every member's health (learners included); stops before touching anything if
///    one is unhealthy.
/// 2. Compacts, if asked: --compact-keep N keeps the last N revisions, --compact-rev R
///    compacts at R.
/// 3. Defragments the followers one at a time (etcd refuses to defragment a learner online:
///    learners are skipped, with that reason).
/// 4. Moves leadership to a healthy follower (not with --no-move-leader).
/// 5. Defragments the former leader.
/// 6. Disarms NOSPACE alarms once space is free.
///
/// After each member it checks that member's health, then waits --wait before the next.
/// One line per step (each member's DB size and the share in use, before and after), then a
/// table of every member; -w json prints one object at the end. Exit status 1, naming the step
/// and the member, when a step fails: nothing is done past a failed member.
/// Defragmenting blocks the member's reads and writes; a large DB may need a longer
/// --command-timeout.
///
/// Examples:
///   ectl maintain --dry-run
///   ectl maintain --compact-keep 1000 --wait 10s
///   ectl maintain --only-if-fragmented 0.5 -w json
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct MaintainArgs {
    /// compact first, keeping the last N revisions
    #[arg(long, value_name = "N", conflicts_with = "compact_rev",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub compact_keep: Option<u64>,
    /// compact first, at revision R
    #[arg(long, value_name = "R", value_parser = go_int64)]
    pub compact_rev: Option<i64>,
    /// defragment the leader without moving leadership away first
    #[arg(long)]
    pub no_move_leader: bool,
    /// how long to wait between members
    #[arg(long, default_value = "0s", value_parser = go_duration)]
    pub wait: Duration,
    /// skip a member whose free share of the DB file is below RATIO (0 to 1)
    #[arg(long, value_name = "RATIO", value_parser = ratio)]
    pub only_if_fragmented: Option<f64>,
    /// print the plan and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

fn ratio(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("{s:?} is not a ratio between 0 and 1")),
    }
}

/// A member in the order it is maintained: followers and learners first, the leader last.
struct Step {
    /// Index into the survey's members.
    member: usize,
    role: &'static str,
    /// For the leader: the voting follower leadership moves to first.
    move_to: Option<usize>,
}

/// Why `m` must not be maintained, if it must not. A NOSPACE alarm is no reason: compaction
/// and defragmentation are its cure (reads, compaction and defrag still work under it).
fn unfit(m: &MemberState) -> Option<String> {
    let nospace = AlarmType::Nospace as i32;
    let status = match &m.status {
        _ if !m.health.health => return Some(m.health.error.clone()),
        Err(e) => return Some(e.clone()),
        Ok(status) => status,
    };
    let errors: Vec<&String> = status
        .errors
        .iter()
        .filter(|e| !e.contains("NOSPACE"))
        .collect();
    if let Some(error) = errors.first() {
        return Some(error.to_string());
    }
    m.alarms
        .iter()
        .any(|a| *a != nospace)
        .then(|| format!("alarm {}", m.alarm_names()))
}

/// The order of the work, from a healthy survey (pure).
fn order(view: &ClusterView, move_leader: bool) -> Vec<Step> {
    let leader = view.members.iter().position(MemberState::is_leader);
    let mut steps: Vec<Step> = (0..view.members.len())
        .filter(|&i| Some(i) != leader)
        .map(|i| Step {
            member: i,
            role: if view.members[i].is_learner {
                "learner"
            } else {
                "follower"
            },
            move_to: None,
        })
        .collect();
    if let Some(leader) = leader {
        let move_to = steps
            .iter()
            .find(|s| s.role == "follower")
            .map(|s| s.member)
            .filter(|_| move_leader);
        steps.push(Step {
            member: leader,
            role: "leader",
            move_to,
        });
    }
    steps
}

/// The revision to compact at, if any: `--compact-rev`, or the newest revision less `keep - 1`
/// (keeping one revision is compacting at the current one). `None` when there is nothing to
/// compact.
fn compact_revision(args: &MaintainArgs, view: &ClusterView) -> Option<i64> {
    if let Some(rev) = args.compact_rev {
        return Some(rev);
    }
    let keep = args.compact_keep?;
    let newest = view
        .members
        .iter()
        .filter_map(|m| m.status.as_ref().ok())
        .filter_map(|s| s.header.as_ref())
        .map(|h| h.revision)
        .max()
        .unwrap_or(0);
    let rev = newest - (keep.min(i64::MAX as u64) as i64 - 1);
    (rev > 0).then_some(rev)
}

/// etcd serves a learner Status and serializable reads only: it refuses Defragment.
const LEARNER: &str = "a learner: etcd refuses to defragment it online";

/// `None` when the member should be defragmented, else why it is skipped.
fn skip_reason(size: DbSize, only_if_fragmented: Option<f64>) -> Option<String> {
    let ratio = only_if_fragmented?;
    let free = size.free_ratio();
    (free < ratio).then(|| {
        format!(
            "{:.0}% free < {:.0}%",
            (free * 100.0).floor(),
            ratio * 100.0
        )
    })
}

fn db_size(s: &StatusResponse) -> DbSize {
    DbSize {
        db_size: s.db_size.max(0) as u64,
        in_use: s.db_size_in_use.max(0) as u64,
    }
}

/// `name (id)`, as members are named in the lines.
fn label(m: &MemberState) -> String {
    let name = if m.name.is_empty() { "?" } else { &m.name };
    format!("{name} ({:x})", m.id)
}

fn row(m: &MemberState, role: &'static str, outcome: Outcome) -> MaintainRow {
    MaintainRow {
        name: m.name.clone(),
        id: m.id,
        endpoint: m.endpoint.clone(),
        role,
        before: m.status.as_ref().ok().map(db_size),
        after: None,
        took: None,
        outcome,
    }
}

/// A failed step: what it was, on which member, and why.
struct Stop {
    step: &'static str,
    error: String,
}

fn stop(step: &'static str) -> impl FnOnce(crate::client::Error) -> Stop {
    move |e| Stop {
        step,
        error: e.to_string(),
    }
}

/// Runs the work and prints each step as it happens.
struct Run<'r, 'a> {
    ctx: &'r mut Workbench<'a>,
    report: MaintainReport,
    bar: Option<progress::ProgressBar>,
}

impl Run<'_, '_> {
    fn event(&mut self, event: MaintainEvent) -> anyhow::Result<()> {
        let ctx = &mut *self.ctx;
        let mut print = || -> std::io::Result<()> {
            ctx.print_report(ctx.style(), &event)?;
            ctx.out.flush()
        };
        // A line goes above the bar, not through it.
        match &self.bar {
            Some(bar) => bar.suspend(print)?,
            None => print()?,
        }
        self.report.events.push(event);
        Ok(())
    }

    fn member_done(&mut self, row: MaintainRow) -> anyhow::Result<()> {
        self.report.members.push(row.clone());
        self.event(MaintainEvent::Member { row })
    }

    /// One member: status, the leader move, defragment, status and health again.
    async fn member(
        &mut self,
        view: &ClusterView,
        step: &Step,
        args: &MaintainArgs,
    ) -> anyhow::Result<Result<(), Stop>> {
        let m = &view.members[step.member];
        let client = match self.ctx.endpoint_client(&m.endpoint) {
            Ok(client) => client,
            Err(e) => {
                return Ok(Err(Stop {
                    step: "connect",
                    error: format!("{e:#}"),
                }));
            }
        };
        let before = match client.status().await.map_err(stop("status")) {
            Ok(status) => db_size(&status),
            Err(stop) => return Ok(Err(stop)),
        };
        let mut done = row(m, step.role, Outcome::Defragmented);
        done.before = Some(before);
        let skip = if m.is_learner {
            Some(LEARNER.to_string())
        } else {
            skip_reason(before, args.only_if_fragmented)
        };
        if let Some(why) = skip {
            done.outcome = Outcome::Skipped(why);
            self.member_done(done)?;
            return Ok(Ok(()));
        }
        if let Some(target) = step.move_to {
            let to = &view.members[target];
            if let Err(stop) = client.move_leader(to.id).await.map_err(stop("move-leader")) {
                return Ok(Err(stop));
            }
            self.event(MaintainEvent::MoveLeader {
                from: label(m),
                to: label(to),
                done: true,
            })?;
        }
        let started = Instant::now();
        if let Err(stop) = client.defragment().await.map_err(stop("defrag")) {
            return Ok(Err(stop));
        }
        // Milliseconds are what a person compares; the rest is noise.
        done.took = Some(Duration::from_millis(started.elapsed().as_millis() as u64));
        match client.status().await.map_err(stop("status after defrag")) {
            Ok(status) => done.after = Some(db_size(&status)),
            Err(stop) => return Ok(Err(stop)),
        }
        let (health, _) = check_health(m.endpoint.clone(), Ok(client), m.is_learner).await;
        if !health.health {
            return Ok(Err(Stop {
                step: "health after defrag",
                error: health.error,
            }));
        }
        self.member_done(done)?;
        Ok(Ok(()))
    }

    /// Disarms every NOSPACE alarm: the members have their space back.
    async fn disarm(&mut self, view: &ClusterView) -> anyhow::Result<Result<(), Stop>> {
        let client: &Client = self.ctx.client()?;
        let alarms = match client.alarm(alarm_list()).await.map_err(stop("alarm list")) {
            Ok(resp) => resp.alarms,
            Err(stop) => return Ok(Err(stop)),
        };
        let mut disarmed = Vec::new();
        for alarm in alarms
            .into_iter()
            .filter(|a| a.alarm == AlarmType::Nospace as i32)
        {
            let request = AlarmRequest {
                action: AlarmAction::Deactivate as i32,
                member_id: alarm.member_id,
                alarm: alarm.alarm,
            };
            if let Err(stop) = client.alarm(request).await.map_err(stop("disarm")) {
                return Ok(Err(stop));
            }
            disarmed.push(alarm.member_id);
        }
        for id in disarmed {
            let member = view
                .members
                .iter()
                .find(|m| m.id == id)
                .map_or_else(|| format!("{id:x}"), label);
            self.event(MaintainEvent::Disarm {
                member,
                alarm: "NOSPACE".into(),
            })?;
        }
        Ok(Ok(()))
    }
}

/// The plan of a dry run: what would be done, from the survey's figures.
fn plan(view: &ClusterView, steps: &[Step], args: &MaintainArgs, report: &mut MaintainReport) {
    for step in steps {
        let m = &view.members[step.member];
        if let Some(target) = step.move_to {
            report.events.push(MaintainEvent::MoveLeader {
                from: label(m),
                to: label(&view.members[target]),
                done: false,
            });
        }
        let before = m.status.as_ref().ok().map(db_size);
        let skip = if m.is_learner {
            Some(LEARNER.to_string())
        } else {
            before.and_then(|b| skip_reason(b, args.only_if_fragmented))
        };
        let outcome = match skip {
            Some(why) => Outcome::Skipped(why),
            None => Outcome::Planned,
        };
        let row = row(m, step.role, outcome);
        report.members.push(row.clone());
        report.events.push(MaintainEvent::Member { row });
    }
}

pub async fn run(args: MaintainArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    ctx.ensure_format(ResponseKind::Report)?;
    let view = survey(ctx).await?;
    // 1. The health gate: nothing is touched unless every member, learners too, is healthy.
    let unhealthy: Vec<String> = view
        .members
        .iter()
        .filter_map(|m| unfit(m).map(|why| format!("{}: {why}", label(m))))
        .collect();
    if !unhealthy.is_empty() {
        return Err(CliError::error(format!(
            "maintain stopped at step health, before changing anything: {}",
            unhealthy.join("; ")
        ))
        .into());
    }
    let compact_at = compact_revision(&args, &view);
    let steps = order(&view, !args.no_move_leader);
    let mut report = MaintainReport {
        dry_run: args.dry_run,
        ..MaintainReport::default()
    };
    if args.dry_run {
        if let Some(revision) = compact_at {
            report.events.push(MaintainEvent::Compact {
                revision,
                done: false,
            });
        }
        plan(&view, &steps, &args, &mut report);
        let style = ctx.style();
        for event in &report.events {
            ctx.print_report(style, event)?;
        }
        ctx.print_report(style, &report)?;
        return Ok(());
    }

    let mut run = Run {
        bar: progress::steps(steps.len() as u64),
        ctx,
        report,
    };
    let mut failed: Option<(String, Stop)> = None;
    // 2. Compaction, once, through the cluster.
    if let Some(revision) = compact_at {
        let request = CompactionRequest {
            revision,
            physical: true,
        };
        match run.ctx.client()?.compact(request).await {
            Ok(_) => run.event(MaintainEvent::Compact {
                revision,
                done: true,
            })?,
            // Keeping the last N revisions when fewer were left is nothing to do.
            Err(e) if args.compact_keep.is_some() && e.to_string().contains("compacted") => {
                run.event(MaintainEvent::AlreadyCompacted { revision })?
            }
            Err(e) => failed = Some(("cluster".into(), stop("compact")(e))),
        }
    }
    // 3-5. One member at a time, the leader last; 7. health after each, --wait between.
    for (n, step) in steps.iter().enumerate() {
        let m = &view.members[step.member];
        if failed.is_some() {
            run.report
                .members
                .push(row(m, step.role, Outcome::NotReached));
            continue;
        }
        if let Some(bar) = &run.bar {
            bar.set_message(format!("defragmenting {}", label(m)));
        }
        if let Err(stop) = run.member(&view, step, &args).await? {
            // Its line, with the figures the survey had of it.
            run.member_done(row(m, step.role, Outcome::Failed(stop.error.clone())))?;
            failed = Some((label(m), stop));
            continue;
        }
        if let Some(bar) = &run.bar {
            bar.inc(1);
        }
        if n + 1 < steps.len() && !args.wait.is_zero() {
            tokio::time::sleep(args.wait).await;
        }
    }
    // 6. NOSPACE alarms, once every member has its space back.
    if failed.is_none()
        && let Err(stop) = run.disarm(&view).await?
    {
        failed = Some(("cluster".into(), stop));
    }
    if let Some(bar) = run.bar.take() {
        bar.finish_and_clear();
    }
    let mut report = run.report;
    report.failure = failed.as_ref().map(|(member, stop)| Failure {
        step: stop.step.into(),
        member: member.clone(),
        error: stop.error.clone(),
    });
    run.ctx.print_report(run.ctx.style(), &report)?;
    match failed {
        Some((member, stop)) => Err(CliError::error(format!(
            "maintain stopped at step {} on member {member}: {}",
            stop.step, stop.error
        ))
        .into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::prelude::try_parse_args;
    use crate::output::EndpointHealth;
    use crate::pb::etcdserverpb::ResponseHeader;

    fn member(id: u64, leader: u64, learner: bool, revision: i64) -> MemberState {
        MemberState {
            name: format!("m{id}"),
            id,
            endpoint: format!("http://m{id}:2379"),
            is_learner: learner,
            status: Ok(StatusResponse {
                header: Some(ResponseHeader {
                    revision,
                    ..Default::default()
                }),
                leader,
                db_size: 1000,
                db_size_in_use: 900,
                ..Default::default()
            }),
            health: EndpointHealth {
                endpoint: String::new(),
                health: true,
                took: String::new(),
                error: String::new(),
            },
            alarms: Vec::new(),
        }
    }

    fn view() -> ClusterView {
        ClusterView {
            cluster_id: 1,
            members: vec![
                member(1, 2, true, 50),
                member(2, 2, false, 50),
                member(3, 2, false, 48),
            ],
        }
    }

    #[test]
    fn followers_and_learners_first_the_leader_last_moving_to_a_voter() {
        let steps = order(&view(), true);
        let got: Vec<(usize, &str, Option<usize>)> = steps
            .iter()
            .map(|s| (s.member, s.role, s.move_to))
            .collect();
        assert_eq!(
            got,
            [
                (0, "learner", None),
                (2, "follower", None),
                (1, "leader", Some(2))
            ]
        );
        assert_eq!(order(&view(), false)[2].move_to, None);
    }

    #[test]
    fn compaction_keeps_the_last_n_revisions() {
        let args = |argv: &[&str]| try_parse_args::<MaintainArgs>(argv).unwrap();
        let v = view();
        assert_eq!(compact_revision(&args(&[]), &v), None);
        assert_eq!(
            compact_revision(&args(&["--compact-keep", "1"]), &v),
            Some(50)
        );
        assert_eq!(
            compact_revision(&args(&["--compact-keep", "10"]), &v),
            Some(41)
        );
        assert_eq!(compact_revision(&args(&["--compact-keep", "60"]), &v), None);
        assert_eq!(
            compact_revision(&args(&["--compact-rev", "7"]), &v),
            Some(7)
        );
        assert!(try_parse_args::<MaintainArgs>(&["--compact-keep=0"]).is_err());
        assert!(try_parse_args::<MaintainArgs>(&["--compact-keep=1", "--compact-rev=1"]).is_err());
        assert!(try_parse_args::<MaintainArgs>(&["--only-if-fragmented=1.5"]).is_err());
    }

    #[test]
    fn a_nospace_alarm_does_not_stop_maintenance_but_other_trouble_does() {
        let mut m = member(1, 1, false, 5);
        assert_eq!(unfit(&m), None);
        m.alarms = vec![AlarmType::Nospace as i32];
        if let Ok(status) = &mut m.status {
            status.errors = vec!["memberID:1 alarm:NOSPACE ".into()];
        }
        assert_eq!(unfit(&m), None);
        m.alarms.push(AlarmType::Corrupt as i32);
        assert_eq!(unfit(&m).as_deref(), Some("alarm NOSPACE CORRUPT"));
        m.health.health = false;
        m.health.error = "down".into();
        assert_eq!(unfit(&m).as_deref(), Some("down"));
    }

    #[test]
    fn a_member_below_the_fragmentation_ratio_is_skipped() {
        let size = DbSize {
            db_size: 1000,
            in_use: 900,
        };
        assert_eq!(skip_reason(size, None), None);
        assert_eq!(skip_reason(size, Some(0.1)), None);
        assert_eq!(
            skip_reason(size, Some(0.5)).as_deref(),
            Some("10% free < 50%")
        );
    }
}
