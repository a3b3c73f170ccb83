//! A member killed under load (issue 17): many commands in flight on the first endpoint when
//! it dies. Reads in flight fail over and succeed; writes in flight are not resent, and say
//! that they may or may not have been applied; every write that succeeded is there.
//!
//! Bounded and not timing-sensitive: a fixed number of commands per round, the kill is
//! triggered by a count of commands started, not by a clock, and rounds go on (up to a bound)
//! until enough commands were caught in flight, since a round may catch none.

use crate::support;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::{Cluster, Out, ectl};

const WORKERS: usize = 16;
const COMMANDS_PER_WORKER: usize = 20;
/// The command whose start kills the first endpoint's member: a quarter into the round, so
/// commands are running on it and many more come after.
const KILL_AT: usize = WORKERS * COMMANDS_PER_WORKER / 4;

/// A fresh cluster whose first endpoint is a follower (killing it leaves the leader, so no
/// election can fail a write for a reason of its own); the leader is the last endpoint.
struct Round {
    cluster: Cluster,
    victim: usize,
    endpoints: String,
}

impl Round {
    fn new() -> Round {
        let cluster = Cluster::new();
        let (victim, endpoints) = cluster.follower_first();
        Round {
            cluster,
            victim,
            endpoints,
        }
    }

    /// Runs `command(worker, i)` WORKERS × COMMANDS_PER_WORKER times, WORKERS at a time,
    /// killing the victim as command number KILL_AT starts. Returns each command's label and
    /// output.
    fn run(&self, command: impl Fn(usize, usize) -> Vec<String> + Sync) -> Vec<(String, Out)> {
        let started = AtomicUsize::new(0);
        let results = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for worker in 0..WORKERS {
                let (started, results, command) = (&started, &results, &command);
                scope.spawn(move || {
                    for i in 0..COMMANDS_PER_WORKER {
                        if started.fetch_add(1, Ordering::SeqCst) == KILL_AT {
                            self.cluster[self.victim].kill();
                        }
                        let args = command(worker, i);
                        let out = ectl()
                            .arg(format!("--endpoints={}", self.endpoints))
                            .args(&args)
                            .run();
                        results.lock().unwrap().push((args.join(" "), out));
                    }
                });
            }
        });
        assert!(!self.cluster[self.victim].is_running(), "the kill happened");
        results.into_inner().unwrap()
    }
}

/// Runs `round` (which returns how many commands it saw in flight at the kill) `rounds.start`
/// times, and on until `wanted` were seen in all, at most `rounds.end` times; asserts they
/// were. Whether a command is out on the wire at the kill is up to the scheduler, and a round
/// may catch none, so the test goes on until it has proven its claim on in-flight commands.
fn rounds_until_in_flight(
    wanted: usize,
    rounds: std::ops::Range<usize>,
    mut round: impl FnMut() -> usize,
) {
    let mut per_round = Vec::new();
    while per_round.len() < rounds.start
        || (per_round.iter().sum::<usize>() < wanted && per_round.len() < rounds.end)
    {
        per_round.push(round());
    }
    assert!(
        per_round.iter().sum::<usize>() >= wanted,
        "fewer than {wanted} commands in flight at the kill in {} rounds: \
         {per_round:?}; the test proved nothing about them",
        per_round.len()
    );
    eprintln!("in flight at the kill, per round: {per_round:?}");
}

#[test]
fn reads_in_flight_when_their_member_dies_fail_over() {
    rounds_until_in_flight(5, 5..10, || {
        let round = Round::new();
        ectl()
            .arg(format!("--endpoints={}", round.endpoints))
            .args(["put", "k", "v"])
            .run()
            .assert_ok();
        // --debug (on stderr) shows which reads lost their connection and went elsewhere.
        let results = round.run(|_, _| vec!["--debug".into(), "get".into(), "k".into()]);
        let failed: Vec<&(String, Out)> = results
            .iter()
            .filter(|(_, out)| out.code != 0 || out.stdout_str() != "k\nv\n")
            .collect();
        assert!(failed.is_empty(), "failed reads: {failed:#?}");
        // Each of these lost the victim's connection with the read out, and (above) still
        // printed the key: it was sent again to another member.
        let lost = format!(
            "request failed; trying the next endpoint endpoint={} failure=ConnectionLost",
            round.cluster[round.victim].endpoint()
        );
        results
            .iter()
            .filter(|(_, out)| out.trace().contains(&lost))
            .count()
    });
}

#[test]
fn writes_in_flight_when_their_member_dies_say_so_and_the_rest_are_applied() {
    rounds_until_in_flight(2, 2..6, || {
        let round = Round::new();
        let results =
            round.run(|worker, i| vec!["put".into(), format!("w/{worker}/{i}"), "x".into()]);
        let message = format!(
            "Error: the request was sent to {}, which closed the connection before answering: \
             it may or may not have been applied",
            round.cluster[round.victim].endpoint()
        );
        let mut applied = Vec::new();
        let mut in_flight = 0;
        for (label, out) in &results {
            if out.code == 0 {
                assert_eq!(out.stdout_str(), "OK\n", "{label}: {out:?}");
                applied.push(label.split(' ').nth(1).unwrap().to_string());
            } else {
                in_flight += 1;
                assert_eq!(out.code, 1, "{label}: {out:?}");
                assert!(
                    out.stderr_str().lines().any(|line| line == message),
                    "{label}: {out:?}"
                );
            }
        }
        let survivor = (round.victim + 1) % 3;
        let keys = round.cluster[survivor]
            .ectl()
            .args(["get", "w/", "--prefix", "--keys-only"])
            .run();
        keys.assert_ok();
        let present: std::collections::HashSet<String> = keys
            .stdout_str()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        for key in &applied {
            assert!(
                present.contains(key),
                "{key} was acknowledged but is missing"
            );
        }
        in_flight
    });
}
