//! `lease` against real etcd, differentially: each case runs through the reference etcdctl on
//! one fresh member and through ectl on another with the same history, in every output format,
//! and stdout, exit code and error line must match. Masked: cluster and member IDs, lease IDs
//! (each member grants its own) and the seconds a lease has left. Then the streaming
//! keep-alive: until revoked elsewhere, on Ctrl-C, and across the loss of its member.

use crate::support;

use std::thread::sleep;
use std::time::{Duration, Instant};

use ectl::pb::etcdserverpb::ResponseHeader;
use prost::Message;
use support::{Cluster, Cmd, Etcd, Out};

const FORMATS: [&str; 5] = ["simple", "json", "fields", "protobuf", "table"];

/// A fresh member with a 600 s lease that has the key `k1` attached.
struct Member {
    etcd: Etcd,
    lease: String,
}

impl Member {
    fn start() -> Member {
        let etcd = Etcd::single();
        let lease = grant(etcd.etcdctl(), 600);
        etcd.etcdctl()
            .args(["put", "k1", "v1", "--lease", &lease])
            .run()
            .assert_ok();
        Member { etcd, lease }
    }

    /// `args` with `{lease}` replaced by the member's lease and `{fresh}` by a new one.
    fn args(&self, args: &[&str]) -> Vec<String> {
        args.iter()
            .map(|a| match *a {
                "{lease}" => self.lease.clone(),
                "{fresh}" => grant(self.etcd.etcdctl(), 600),
                a => a.to_string(),
            })
            .collect()
    }
}

/// Grants a lease with etcdctl and returns its ID in hex.
fn grant(cmd: Cmd, ttl: u32) -> String {
    cmd.args(["lease", "grant", &ttl.to_string()])
        .run()
        .granted_lease()
}

/// Stdout as comparable text: lease IDs, cluster and member IDs masked, and with `remaining`
/// the seconds left; protobuf (a bare header) decoded with its IDs zeroed.
fn mask(format: &str, stdout: &[u8], remaining: bool) -> String {
    if format == "protobuf" {
        let Ok(mut header) = ResponseHeader::decode(stdout) else {
            return format!("not a ResponseHeader: {}", stdout.escape_ascii());
        };
        header.cluster_id = 0;
        header.member_id = 0;
        return format!("{header:?}");
    }
    let mut text = String::from_utf8_lossy(stdout).into_owned();
    let mut markers = vec![
        "\"cluster_id\":",
        "\"member_id\":",
        "\"ClusterID\" : ",
        "\"MemberID\" : ",
        "\"ID\":",
        "\"id\":",
        "\"ID\" : ",
        "remaining(",
    ];
    if remaining {
        markers.extend(["\"ttl\":", "\"TTL\" : "]);
    }
    for marker in markers {
        text = mask_number_after(&text, marker);
    }
    mask_hex_ids(&text)
}

/// Every run of exactly 16 hex digits (a lease ID as etcdctl prints it) becomes `<lease>`.
fn mask_hex_ids(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() == 16 && run != "0000000000001234" {
            out.push_str("<lease>");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() && !c.is_ascii_uppercase() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// `text` with the (possibly negative) number after each `marker` replaced by `<n>`, except
/// 4660 (the unknown lease 1234 the cases ask about).
fn mask_number_after(text: &str, marker: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        let end = tail
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
            .map_or(tail.len(), |(i, _)| i);
        if &tail[..end] == "4660" {
            out.push_str("4660");
        } else {
            out.push_str("<n>");
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The line etcdctl's error ends with (its warnings come first as JSON log lines).
fn error_line(out: &Out) -> String {
    out.stderr_str()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

struct Twins {
    reference: Member,
    ours: Member,
}

impl Twins {
    fn start() -> Twins {
        Twins {
            reference: Member::start(),
            ours: Member::start(),
        }
    }

    /// Runs `lease <args>` (with `-w format` unless `None`) on both; a mismatch is returned.
    fn check(&self, format: Option<&str>, args: &[&str]) -> Result<(), String> {
        let run = |member: &Member, cmd: Cmd| {
            let cmd = match format {
                Some(f) => cmd.args(["-w", f]),
                None => cmd,
            };
            cmd.arg("lease").args(member.args(args)).run()
        };
        let want = run(&self.reference, self.reference.etcd.etcdctl());
        let got = run(&self.ours, self.ours.etcd.ectl());
        let remaining = args.first() == Some(&"timetolive");
        let f = format.unwrap_or("simple");
        let (want_out, got_out) = (
            mask(f, &want.stdout, remaining),
            mask(f, &got.stdout, remaining),
        );
        let title = format!("-w {f} lease {}", args.join(" "));
        if (want.code, &want_out) != (got.code, &got_out) {
            return Err(format!(
                "{title}\n--- etcdctl (exit {}) ---\n{want_out}\n--- ectl (exit {}) ---\n{got_out}\n\
                 --- etcdctl stderr ---\n{}\n--- ectl stderr ---\n{}",
                want.code,
                got.code,
                want.stderr_str(),
                got.stderr_str()
            ));
        }
        if want.code != 0 && error_line(&want) != error_line(&got) {
            return Err(format!(
                "{title}\nerror differs:\n etcdctl: {}\n ectl:    {}",
                error_line(&want),
                error_line(&got)
            ));
        }
        Ok(())
    }

    /// Runs every case in every format (`None`: once, without `-w`) and reports all mismatches.
    fn check_all(&self, formats: &[Option<&str>], cases: &[&[&str]]) {
        let mut failures = Vec::new();
        let mut count = 0;
        for format in formats {
            for case in cases {
                count += 1;
                if let Err(e) = self.check(*format, case) {
                    failures.push(e);
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {count} cases differ from etcdctl:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

#[test]
fn every_subcommand_and_format_matches_etcdctl() {
    let twins = Twins::start();
    let all: Vec<Option<&str>> = FORMATS.iter().copied().map(Some).collect();
    // The list first, while each member has exactly one lease (etcd lists in map order).
    twins.check_all(&all, &[&["list"], &["list", "extra", "args"]]);
    twins.check_all(
        &all,
        &[
            &["grant", "60"],
            &["grant", "0"],
            &["timetolive", "{lease}"],
            &["timetolive", "{lease}", "--keys"],
            &["timetolive", "--keys=false", "{lease}"],
            &["timetolive", "1234"],
            &["timetolive", "1234", "--keys"],
            &["keep-alive", "--once", "{lease}"],
            &["keep-alive", "--once=true", "{lease}"],
        ],
    );
    // etcdctl sends these before it finds out that it cannot print them in a table (or, for
    // revoke, protobuf); ectl refuses first (see `formats_refused_before_sending`).
    let printable: Vec<Option<&str>> = ["simple", "json", "fields"].map(Some).to_vec();
    twins.check_all(
        &printable,
        &[
            &["revoke", "{fresh}"],
            &["revoke", "1234"],
            &["grant", "99999999999"],
            &["keep-alive", "--once", "1234"],
        ],
    );
    twins.check_all(
        &[Some("protobuf")],
        &[&["grant", "99999999999"], &["keep-alive", "--once", "1234"]],
    );
    // Argument errors (exit 128) and server refusals.
    twins.check_all(
        &[None],
        &[
            &["grant"],
            &["grant", "abc"],
            &["grant", "1", "2"],
            &["grant", "1.5"],
            &["revoke"],
            &["revoke", "zz"],
            &["revoke", "0x10"],
            &["revoke", "1", "2"],
            &["revoke", "8000000000000000"],
            &["revoke", "--", "-1"],
            &["revoke", "7fffffffffffffff"],
            &["timetolive"],
            &["timetolive", "xyz"],
            &["timetolive", "1", "2"],
            &["keep-alive"],
            &["keep-alive", "zz"],
            &["keep-alive", "--once"],
        ],
    );
}

#[test]
fn formats_refused_before_sending() {
    let etcd = Etcd::single();
    let lease = grant(etcd.etcdctl(), 600);
    for (format, message) in [
        (
            "protobuf",
            "Error: marshal unsupported for type clientv3.LeaseRevokeResponse",
        ),
        ("table", "Error: table not supported as output format"),
    ] {
        let out = etcd
            .ectl()
            .args(["-w", format, "lease", "revoke", &lease])
            .run();
        out.assert_code(4);
        assert_eq!(out.stderr_str().trim_end(), message);
        assert!(out.stdout.is_empty());
    }
    // Nothing was revoked.
    let out = etcd.ectl().args(["lease", "timetolive", &lease]).run();
    out.assert_ok();
    assert!(
        out.stdout_str().contains("granted with TTL(600s)"),
        "{out:?}"
    );
    let out = etcd
        .ectl()
        .args(["-w", "table", "lease", "grant", "5"])
        .run();
    out.assert_code(4);
    let list = etcd.ectl().args(["lease", "list"]).run();
    assert_eq!(list.stdout_str(), format!("found 1 leases\n{lease}\n"));
}

/// The server lists a lease's keys in map order, different from call to call; ectl sorts them.
#[test]
fn timetolive_lists_the_attached_keys_sorted() {
    let etcd = Etcd::single();
    let lease = etcd
        .ectl()
        .args(["lease", "grant", "600"])
        .run()
        .granted_lease();
    let keys = ["k3", "k10", "a", "k1", "z", "b2", "b1", "m"];
    for key in keys {
        let put = etcd
            .ectl()
            .args(["put", key, "v", &format!("--lease={lease}")]);
        put.run().assert_ok();
    }
    let mut sorted = keys;
    sorted.sort_unstable();
    for _ in 0..5 {
        let out = etcd
            .ectl()
            .args(["lease", "timetolive", &lease, "--keys"])
            .run();
        out.assert_ok();
        let listed = format!(", attached keys([{}])\n", sorted.join(" "));
        assert!(out.stdout_str().ends_with(&listed), "{out:?}");
    }
}

/// etcdctl 3.4 prints the same line for a lease that does not exist, but exits 0.
#[test]
fn keep_alive_on_an_unknown_lease_fails() {
    let etcd = Etcd::single();
    for format in ["simple", "json"] {
        let want = etcd
            .etcdctl()
            .args(["-w", format, "lease", "keep-alive", "1234"])
            .run();
        let got = etcd
            .ectl()
            .args(["-w", format, "lease", "keep-alive", "1234"])
            .run();
        want.assert_ok();
        got.assert_code(1);
        assert_eq!(got.stdout_str(), want.stdout_str(), "-w {format}");
        assert_eq!(
            got.stderr_str(),
            "Error: lease 0000000000001234 expired or revoked\n"
        );
    }
    let out = etcd.ectl().args(["lease", "keep-alive", "1234"]).run();
    assert_eq!(
        out.stdout_str(),
        "lease 0000000000001234 expired or revoked.\n"
    );
}

/// Both tools renew every TTL/3 seconds and end once the lease is revoked elsewhere; etcdctl
/// exits 0 there, ectl 1.
#[test]
fn keep_alive_ends_when_revoked_elsewhere() {
    let etcd = Etcd::single();
    for (cmd, code) in [(etcd.etcdctl(), 0), (etcd.ectl(), 1)] {
        for format in ["simple", "json"] {
            let lease = grant(etcd.etcdctl(), 3);
            let running = cmd
                .clone()
                .args(["-w", format, "lease", "keep-alive", &lease])
                .timeout(Duration::from_secs(20))
                .spawn();
            // Revoke only after a second renewal (TTL/3 = 1 s apart), however loaded the
            // machine is: the assertions below count renewals.
            let deadline = Instant::now() + Duration::from_secs(15);
            while running
                .stdout_so_far()
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                < 2
            {
                assert!(Instant::now() < deadline, "no second renewal within 15 s");
                sleep(Duration::from_millis(50));
            }
            etcd.etcdctl()
                .args(["lease", "revoke", &lease])
                .run()
                .assert_ok();
            let out = running.wait();
            out.assert_code(code);
            let text = out.stdout_str();
            let lines: Vec<&str> = text.lines().collect();
            let (renewals, end) = match format {
                "simple" => {
                    let (last, renewals) = lines.split_last().expect("some output");
                    assert_eq!(*last, format!("lease {lease} expired or revoked."));
                    (renewals, None)
                }
                _ => (&lines[..], Some(())),
            };
            assert!(renewals.len() >= 2, "{out:?}");
            let decimal = i64::from_str_radix(&lease, 16).unwrap();
            for line in renewals {
                match end {
                    None => assert_eq!(*line, format!("lease {lease} keepalived with TTL(3)")),
                    Some(()) => assert!(
                        line.ends_with(&format!(",\"ID\":{decimal},\"TTL\":3}}")),
                        "{line}"
                    ),
                }
            }
        }
    }
}

/// Ctrl-C ends both with what was printed flushed and the status of a death by SIGINT.
#[test]
fn keep_alive_stops_on_ctrl_c() {
    let etcd = Etcd::single();
    for cmd in [etcd.etcdctl(), etcd.ectl()] {
        let lease = grant(etcd.etcdctl(), 30);
        let running = cmd.args(["lease", "keep-alive", &lease]).spawn();
        running.wait_for_stdout("keepalived");
        running.interrupt();
        let out = running.wait();
        out.assert_code(130);
        assert_eq!(
            out.stdout_str(),
            format!("lease {lease} keepalived with TTL(30)\n")
        );
    }
}

/// The member serving the keep-alive is killed: ectl moves to another one and the lease
/// outlives its TTL several times over.
#[test]
fn keep_alive_survives_a_killed_member() {
    survives_losing_member_0(|cluster| cluster[0].kill());
}

/// The member serving the keep-alive freezes (SIGSTOP): its connection stays open but nothing
/// answers, and ectl moves on as when it dies.
#[test]
fn keep_alive_survives_a_frozen_member() {
    survives_losing_member_0(|cluster| cluster[0].freeze());
}

fn survives_losing_member_0(lose: impl FnOnce(&Cluster)) {
    const TTL: u32 = 5;
    let cluster = Cluster::new();
    // 5 s: the loss costs a leader election, which on a loaded machine can take longer than
    // a 3 s lease would live without renewal (etcdctl's client gives up after a TTL too).
    let lease = grant(cluster.etcdctl(), TTL);
    // ectl pins the first endpoint, so member 0 serves the stream. --debug traces which member
    // each keep-alive stream is opened on.
    let running = cluster
        .ectl()
        .args(["--debug", "lease", "keep-alive", &lease])
        .timeout(Duration::from_secs(120))
        .spawn();
    running.wait_for_stdout("keepalived");
    lose(&cluster);
    let lost = Instant::now();
    let renewals = || {
        String::from_utf8_lossy(&running.stdout_so_far())
            .matches(&format!("keepalived with TTL({TTL})"))
            .count()
    };
    let before = renewals();
    // Renewals answered after the loss, at least three TTLs of it (a lease nobody renewed would
    // be gone by then): events, however slowly a loaded machine makes them come.
    let deadline = lost + Duration::from_secs(90);
    while renewals() < before + 4 || lost.elapsed() < Duration::from_secs(3 * u64::from(TTL)) {
        assert!(
            Instant::now() < deadline,
            "only {} renewals in 90 s after losing member 0: {}",
            renewals() - before,
            running.stderr_so_far()
        );
        sleep(Duration::from_millis(200));
    }
    let others = format!("{},{}", cluster[1].endpoint(), cluster[2].endpoint());
    let ttl = support::etcdctl()
        .args(["--endpoints", &others, "lease", "timetolive", &lease])
        .run();
    ttl.assert_ok();
    assert!(
        ttl.stdout_str()
            .contains(&format!("granted with TTL({TTL}s)")),
        "lease gone: {ttl:?}"
    );
    running.interrupt();
    let out = running.wait();
    out.assert_code(130);
    assert!(!out.stdout_str().contains("expired"), "{out:?}");
    // The renewals after the loss went through another member's stream.
    let moved = out.trace().iter().any(|line| {
        (1..3).any(|i| {
            line.starts_with(&format!(
                "request sent endpoint={} method=\"/etcdserverpb.Lease/LeaseKeepAlive\"",
                cluster[i].endpoint()
            ))
        })
    });
    assert!(
        moved,
        "no keep-alive stream opened on member 1 or 2: {out:?}"
    );
    if cluster[0].is_running() {
        cluster[0].thaw();
    }
}
