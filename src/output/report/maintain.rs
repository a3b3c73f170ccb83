//! `maintain`'s report: a line per step as it happens (compaction, each member before and
//! after, the leader move, disarmed alarms), then a table of every member; or, in JSON, one
//! object with the same steps and rows at the end.

use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;

use super::Report;
use crate::go::{self, humanize_bytes};
use crate::output::{PrintOptions, ResponseKind};

/// What happened to one member, or what would (`--dry-run`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result", content = "reason")]
pub enum Outcome {
    /// `--dry-run`: it would be defragmented.
    Planned,
    Defragmented,
    Skipped(String),
    Failed(String),
    /// An earlier member failed, so this one was left alone.
    NotReached,
}

/// One member in the order it is (or would be) maintained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaintainRow {
    pub name: String,
    pub id: u64,
    pub endpoint: String,
    /// `follower`, `learner` or `leader` (the leader when maintenance began).
    pub role: &'static str,
    /// DB size and the share in use, in bytes, before and after.
    pub before: Option<DbSize>,
    pub after: Option<DbSize>,
    #[serde(serialize_with = "go_duration")]
    pub took: Option<Duration>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DbSize {
    pub db_size: u64,
    pub in_use: u64,
}

impl DbSize {
    /// The share of the file that is free (0 for an empty file).
    pub fn free_ratio(&self) -> f64 {
        if self.db_size == 0 {
            0.0
        } else {
            self.db_size.saturating_sub(self.in_use) as f64 / self.db_size as f64
        }
    }
}

/// One step, printed as it happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "step")]
pub enum MaintainEvent {
    /// Compacted (or, in a dry run, would compact) at `revision`.
    Compact {
        revision: i64,
        done: bool,
    },
    /// The revision was compacted already: nothing to do.
    AlreadyCompacted {
        revision: i64,
    },
    /// Leadership moved (or would move) away from the member about to be defragmented.
    MoveLeader {
        from: String,
        to: String,
        done: bool,
    },
    Member {
        row: MaintainRow,
    },
    Disarm {
        member: String,
        alarm: String,
    },
}

/// Where maintenance stopped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub step: String,
    pub member: String,
    pub error: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MaintainReport {
    pub dry_run: bool,
    pub events: Vec<MaintainEvent>,
    pub members: Vec<MaintainRow>,
    pub failure: Option<Failure>,
}

fn go_duration<S: serde::Serializer>(took: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match took {
        Some(took) => s.serialize_str(&go::duration(*took)),
        None => s.serialize_none(),
    }
}

fn sizes(size: Option<DbSize>) -> String {
    match size {
        Some(s) => format!(
            "db {}, in use {}",
            humanize_bytes(s.db_size),
            humanize_bytes(s.in_use)
        ),
        None => "db ?".into(),
    }
}

fn outcome_words(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Planned => "would defragment".into(),
        Outcome::Defragmented => "defragmented".into(),
        Outcome::Skipped(why) => format!("skipped: {why}"),
        Outcome::Failed(why) => format!("failed: {why}"),
        Outcome::NotReached => "not reached".into(),
    }
}

/// One line per step.
fn event_line(event: &MaintainEvent, out: &mut dyn Write) -> io::Result<()> {
    match event {
        MaintainEvent::Compact {
            revision,
            done: true,
        } => writeln!(out, "compacted at revision {revision}"),
        MaintainEvent::Compact { revision, .. } => {
            writeln!(out, "would compact at revision {revision}")
        }
        MaintainEvent::AlreadyCompacted { revision } => {
            writeln!(out, "revision {revision} was compacted already")
        }
        MaintainEvent::MoveLeader {
            from,
            to,
            done: true,
        } => writeln!(out, "moved leadership from {from} to {to}"),
        MaintainEvent::MoveLeader { from, to, .. } => {
            writeln!(out, "would move leadership from {from} to {to}")
        }
        MaintainEvent::Member { row } => {
            let took = row
                .took
                .map(|t| format!(" in {}", go::duration(t)))
                .unwrap_or_default();
            match (&row.outcome, row.after) {
                (Outcome::Defragmented, Some(_)) => writeln!(
                    out,
                    "{} ({}): {} -> {} (defragmented{took})",
                    row.name,
                    row.role,
                    sizes(row.before),
                    sizes(row.after)
                ),
                (outcome, _) => writeln!(
                    out,
                    "{} ({}): {}: {}",
                    row.name,
                    row.role,
                    sizes(row.before),
                    outcome_words(outcome)
                ),
            }
        }
        MaintainEvent::Disarm { member, alarm } => {
            writeln!(out, "disarmed {alarm} alarm of {member}")
        }
    }
}

const COLUMNS: [&str; 10] = [
    "member",
    "id",
    "role",
    "db before",
    "in use before",
    "db after",
    "in use after",
    "reclaimed",
    "took",
    "result",
];

/// The final table of every member.
/// `width`: the terminal's, which the cells wrap to.
fn table(report: &MaintainReport, out: &mut dyn Write, width: Option<u16>) -> io::Result<()> {
    let bytes = |s: Option<DbSize>, f: fn(DbSize) -> u64| s.map(|s| humanize_bytes(f(s)));
    let rows: Vec<Vec<String>> = report
        .members
        .iter()
        .map(|r| {
            let reclaimed = match (r.before, r.after) {
                (Some(b), Some(a)) => humanize_bytes(b.db_size.saturating_sub(a.db_size)),
                _ => String::new(),
            };
            vec![
                r.name.clone(),
                format!("{:x}", r.id),
                r.role.to_string(),
                bytes(r.before, |s| s.db_size).unwrap_or_default(),
                bytes(r.before, |s| s.in_use).unwrap_or_default(),
                bytes(r.after, |s| s.db_size).unwrap_or_default(),
                bytes(r.after, |s| s.in_use).unwrap_or_default(),
                reclaimed,
                r.took.map(go::duration).unwrap_or_default(),
                outcome_words(&r.outcome),
            ]
        })
        .collect();
    crate::output::table::report_table(out, &COLUMNS, &rows, width, 0)
}

/// The whole report, at the end: the table of every member (the steps were printed as they
/// happened), or one JSON object with the steps and the rows.
impl Report for MaintainReport {
    fn kind(&self) -> ResponseKind {
        ResponseKind::Report
    }

    fn simple(&self, out: &mut dyn Write, _style: &PrintOptions) -> io::Result<()> {
        table(self, out, None)
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        writeln!(out)
    }

    fn table(&self, out: &mut dyn Write, width: Option<u16>, _: bool) -> io::Result<()> {
        table(self, out, width)
    }
}

/// One step, as it happens: a line in the simple format and the table alike.
impl Report for MaintainEvent {
    fn kind(&self) -> ResponseKind {
        ResponseKind::Report
    }

    fn simple(&self, out: &mut dyn Write, _style: &PrintOptions) -> io::Result<()> {
        event_line(self, out)
    }

    /// The steps are in the one object printed at the end.
    fn json(&self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    fn table(&self, out: &mut dyn Write, _: Option<u16>, _: bool) -> io::Result<()> {
        event_line(self, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(outcome: Outcome) -> MaintainRow {
        MaintainRow {
            name: "m1".into(),
            id: 0xab,
            endpoint: "http://m1:2379".into(),
            role: "leader",
            before: Some(DbSize {
                db_size: 5_200_000,
                in_use: 1_100_000,
            }),
            after: Some(DbSize {
                db_size: 1_100_000,
                in_use: 1_100_000,
            }),
            took: Some(Duration::from_millis(312)),
            outcome,
        }
    }

    #[test]
    fn lines_say_what_happened_in_order() {
        let mut out = Vec::new();
        for event in [
            MaintainEvent::Compact {
                revision: 42,
                done: true,
            },
            MaintainEvent::MoveLeader {
                from: "m1".into(),
                to: "m0".into(),
                done: true,
            },
            MaintainEvent::Member {
                row: row(Outcome::Defragmented),
            },
            MaintainEvent::Member {
                row: MaintainRow {
                    after: None,
                    took: None,
                    ..row(Outcome::Skipped("2% free < 20%".into()))
                },
            },
        ] {
            event_line(&event, &mut out).unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "compacted at revision 42\n\
             moved leadership from m1 to m0\n\
             m1 (leader): db 5.2 MB, in use 1.1 MB -> db 1.1 MB, in use 1.1 MB (defragmented in 312ms)\n\
             m1 (leader): db 5.2 MB, in use 1.1 MB: skipped: 2% free < 20%\n"
        );
    }

    #[test]
    fn json_has_every_step_and_row() {
        let report = MaintainReport {
            dry_run: false,
            events: vec![MaintainEvent::Disarm {
                member: "m0".into(),
                alarm: "NOSPACE".into(),
            }],
            members: vec![row(Outcome::Failed("timeout".into()))],
            failure: None,
        };
        let mut out = Vec::new();
        report.json(&mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["events"][0]["step"], "disarm");
        assert_eq!(v["members"][0]["result"], "failed");
        assert_eq!(v["members"][0]["reason"], "timeout");
        assert_eq!(v["members"][0]["before"]["db_size"], 5_200_000);
        assert_eq!(v["members"][0]["took"], "312ms");
    }

    #[test]
    fn free_ratio_of_an_empty_file_is_zero() {
        assert_eq!(
            DbSize {
                db_size: 0,
                in_use: 0
            }
            .free_ratio(),
            0.0
        );
        assert_eq!(
            DbSize {
                db_size: 100,
                in_use: 25
            }
            .free_ratio(),
            0.75
        );
    }
}
