//! `lock` and `elect` against real etcd. Output in every format is compared with the reference
//! etcdctl's on a twin member (masked: cluster and member IDs, and the session lease, which is
//! part of the key); then contention: two ectl locks, and an ectl and an etcdctl lock in both
//! orders, exclude each other; a command runs under the lock and gives its exit code; a second
//! candidate takes over when the leader resigns on Ctrl-C, and observers see both leaders.

use crate::support;

use std::thread::sleep;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ectl::pb::etcdserverpb::RangeResponse;
use nix::sys::signal::Signal;
use prost::Message;
use support::{Cmd, Etcd, Out, Running};

/// How long a contender must keep waiting to count as blocked.
const BLOCKED: Duration = Duration::from_millis(1500);

/// A Get response printed by `lock` or `elect` as comparable text: IDs and leases masked, and
/// in keys under `name/` the lease part; protobuf decoded.
fn mask(format: &str, stdout: &[u8], name: &str) -> String {
    if format == "protobuf" {
        let Ok(mut resp) = RangeResponse::decode(stdout) else {
            return format!("not a RangeResponse: {}", stdout.escape_ascii());
        };
        assert_eq!(resp.encode_to_vec(), stdout, "protobuf output is canonical");
        if let Some(h) = resp.header.as_mut() {
            h.cluster_id = 0;
            h.member_id = 0;
        }
        for kv in &mut resp.kvs {
            kv.lease = 0;
            kv.key = mask_key(&String::from_utf8_lossy(&kv.key), name).into_bytes();
        }
        return format!("{resp:?}");
    }
    let mut text = String::from_utf8_lossy(stdout).into_owned();
    if format == "json" {
        text = decode_json_keys(&text);
    }
    for marker in [
        "\"cluster_id\":",
        "\"member_id\":",
        "\"lease\":",
        "\"ClusterID\" : ",
        "\"MemberID\" : ",
        "\"Lease\" : ",
    ] {
        text = support::mask_number_after(&text, marker, "<n>");
    }
    mask_key(&text, name)
}

/// `name/<hex>` becomes `name/<lease>`.
fn mask_key(text: &str, name: &str) -> String {
    let prefix = format!("{name}/");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&prefix) {
        out.push_str(&rest[..at + prefix.len()]);
        let tail = &rest[at + prefix.len()..];
        let end = tail
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(tail.len());
        out.push_str("<lease>");
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Each `"key":"<base64>"` with the key decoded, so its lease part can be masked.
fn decode_json_keys(text: &str) -> String {
    let marker = "\"key\":\"";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at + marker.len()]);
        let tail = &rest[at + marker.len()..];
        let end = tail.find('"').unwrap_or(tail.len());
        let key = STANDARD.decode(&tail[..end]).expect("base64 key");
        out.push_str(&String::from_utf8_lossy(&key));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// What shows that a format has printed a response for `name`.
fn printed(format: &str, name: &str) -> String {
    match format {
        "json" => "\"kvs\"".into(),
        _ => format!("{name}/"),
    }
}

/// Starts `cmd`, waits for `needle` on its stdout, interrupts it and returns its output.
fn until_printed_then_interrupt(cmd: Cmd, needle: &str) -> Out {
    let running = cmd.spawn();
    running.wait_for_stdout(needle);
    running.interrupt();
    running.wait()
}

fn compare(title: &str, name: &str, format: &str, want: &Out, got: &Out) -> Result<(), String> {
    let (w, g) = (
        mask(format, &want.stdout, name),
        mask(format, &got.stdout, name),
    );
    if (want.code, &w) == (got.code, &g) {
        return Ok(());
    }
    Err(format!(
        "{title}\n--- etcdctl (exit {}) ---\n{w}\n--- ectl (exit {}) ---\n{g}\n\
         --- etcdctl stderr ---\n{}\n--- ectl stderr ---\n{}",
        want.code,
        got.code,
        want.stderr_str(),
        got.stderr_str()
    ))
}

fn assert_all_ok(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} cases differ from etcdctl:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn lock_and_elect_print_as_etcdctl_does() {
    let (reference, ours) = (Etcd::single(), Etcd::single());
    let mut failures = Vec::new();
    for format in ["simple", "json", "fields", "protobuf"] {
        // lock <name>, held until Ctrl-C.
        let name = format!("lock-{format}");
        let run = |cmd: Cmd| {
            until_printed_then_interrupt(
                cmd.args(["-w", format, "lock", &name]),
                &printed(format, &name),
            )
        };
        let want = run(reference.etcdctl());
        let got = run(ours.ectl());
        failures.extend(compare(&format!("-w {format} lock"), &name, format, &want, &got).err());

        // elect <name> <proposal>, leading until Ctrl-C.
        let name = format!("elect-{format}");
        let run = |cmd: Cmd| {
            until_printed_then_interrupt(
                cmd.args(["-w", format, "elect", &name, "proposal one"]),
                &printed(format, &name),
            )
        };
        let want = run(reference.etcdctl());
        let got = run(ours.ectl());
        failures.extend(compare(&format!("-w {format} elect"), &name, format, &want, &got).err());

        // elect -l <name>, with an etcdctl candidate leading on each member.
        let name = format!("observed-{format}");
        let leaders: Vec<Running> = [&reference, &ours]
            .map(|etcd| etcd.etcdctl().args(["elect", &name, "the leader"]).spawn())
            .into();
        for leader in &leaders {
            leader.wait_for_stdout("the leader");
        }
        let run = |cmd: Cmd| {
            until_printed_then_interrupt(
                cmd.args(["-w", format, "elect", "-l", &name]),
                &printed(format, &name),
            )
        };
        let want = run(reference.etcdctl());
        let got = run(ours.ectl());
        failures
            .extend(compare(&format!("-w {format} elect -l"), &name, format, &want, &got).err());
        for leader in leaders {
            leader.interrupt();
            leader.wait().assert_ok();
        }
    }
    assert_all_ok(failures);
}

#[test]
fn argument_and_format_errors_match_etcdctl() {
    let etcd = Etcd::single();
    let mut failures = Vec::new();
    for args in [
        &["lock"][..],
        &["elect"],
        &["elect", "e"],
        &["elect", "-l", "e", "p"],
        &["elect", "a", "b", "c"],
        &["-w", "table", "lock", "t1"],
        &["-w", "table", "elect", "t2", "p"],
        &["lock", "t3", "no-such-command-here"],
    ] {
        let want = etcd
            .etcdctl()
            .args(args)
            .timeout(Duration::from_secs(10))
            .run();
        let got = etcd
            .ectl()
            .args(args)
            .timeout(Duration::from_secs(10))
            .run();
        let last = |out: &Out| out.stderr_str().lines().last().unwrap_or("").to_owned();
        if (want.code, &want.stdout, last(&want)) != (got.code, &got.stdout, last(&got)) {
            failures.push(format!("{args:?}\n etcdctl: {want:?}\n ectl: {got:?}"));
        }
    }
    assert_all_ok(failures);
}

/// `first` takes the lock; `second` waits until `first` is interrupted, then holds it.
fn check_exclusion(etcd: &Etcd, first: Cmd, second: Cmd, name: &str) {
    let first = first.args(["lock", name]).spawn();
    first.wait_for_stdout(&format!("{name}/"));
    let second = second.args(["lock", name]).spawn();
    sleep(BLOCKED);
    assert!(
        second.stdout_so_far().is_empty(),
        "the second lock was granted while the first was held: {}",
        String::from_utf8_lossy(&second.stdout_so_far())
    );
    first.interrupt();
    let first = first.wait();
    first.assert_ok();
    second.wait_for_stdout(&format!("{name}/"));
    second.interrupt();
    let second = second.wait();
    second.assert_ok();
    assert_ne!(first.stdout, second.stdout, "the same holder key twice");
    // Both released: nothing is left under the name.
    let left = etcd
        .etcdctl()
        .args(["get", "--prefix", &format!("{name}/")])
        .run();
    left.assert_ok();
    assert_eq!(left.stdout_str(), "");
}

#[test]
fn two_ectl_locks_exclude_each_other() {
    let etcd = Etcd::single();
    check_exclusion(&etcd, etcd.ectl(), etcd.ectl(), "both-ectl");
}

#[test]
fn ectl_and_etcdctl_locks_exclude_each_other() {
    let etcd = Etcd::single();
    check_exclusion(&etcd, etcd.etcdctl(), etcd.ectl(), "etcdctl-first");
    check_exclusion(&etcd, etcd.ectl(), etcd.etcdctl(), "ectl-first");
}

/// Interrupted while waiting, ectl gives up as etcdctl does (exit 1, "context canceled") and
/// leaves no key behind to block the next holder.
#[test]
fn waiting_for_a_lock_can_be_interrupted() {
    let etcd = Etcd::single();
    let holder = etcd.ectl().args(["lock", "w"]).spawn();
    holder.wait_for_stdout("w/");
    for cmd in [etcd.etcdctl(), etcd.ectl()] {
        let waiting = cmd.args(["lock", "w"]).spawn();
        sleep(BLOCKED);
        waiting.interrupt();
        let out = waiting.wait();
        out.assert_code(1);
        assert_eq!(
            out.stderr_str().lines().last(),
            Some("Error: context canceled")
        );
    }
    let keys = etcd
        .etcdctl()
        .args(["get", "--prefix", "w/", "--keys-only"])
        .run();
    assert_eq!(keys.stdout_str().matches("w/").count(), 1, "{keys:?}");
    // SIGTERM releases the lock as Ctrl-C does.
    holder.signal(Signal::SIGTERM);
    holder.wait().assert_ok();
    let keys = etcd.etcdctl().args(["get", "--prefix", "w/"]).run();
    assert_eq!(keys.stdout_str(), "");
}

/// A candidate interrupted while waiting gives up as etcdctl does, and its proposal goes.
#[test]
fn waiting_candidate_can_be_interrupted() {
    let etcd = Etcd::single();
    let leader = etcd.ectl().args(["elect", "c", "leader"]).spawn();
    leader.wait_for_stdout("leader");
    for cmd in [etcd.etcdctl(), etcd.ectl()] {
        let waiting = cmd.args(["elect", "c", "waiting"]).spawn();
        sleep(BLOCKED);
        waiting.interrupt();
        let out = waiting.wait();
        out.assert_code(1);
        assert_eq!(out.stdout_str(), "");
        assert_eq!(
            out.stderr_str().lines().last(),
            Some("Error: context canceled")
        );
    }
    let values = etcd
        .etcdctl()
        .args(["get", "--prefix", "c/", "--print-value-only"])
        .run();
    assert_eq!(values.stdout_str(), "leader\n");
    leader.interrupt();
    leader.wait().assert_ok();
}

#[test]
fn lock_runs_a_command_while_holding_it() {
    let (reference, ours) = (Etcd::single(), Etcd::single());
    // The environment the command sees, as etcdctl sets it.
    let script = "echo \"$ETCD_LOCK_KEY $ETCD_LOCK_REV ${ETCDCTL_API-unset}\"";
    let want = reference
        .etcdctl()
        .args(["lock", "env", "--", "sh", "-c", script])
        .run();
    let got = ours
        .ectl()
        .env("ETCDCTL_API", "3")
        .args(["lock", "env", "--", "sh", "-c", script])
        .run();
    want.assert_ok();
    got.assert_ok();
    assert_eq!(
        mask("simple", &got.stdout, "env"),
        mask("simple", &want.stdout, "env")
    );
    assert_eq!(mask("simple", &got.stdout, "env"), "env/<lease> 2 unset\n");

    // The command's exit code is ectl's (etcdctl 3.4 exits 1, 3.5 like ectl).
    let out = ours
        .ectl()
        .args(["lock", "x", "--", "sh", "-c", "exit 7"])
        .run();
    out.assert_code(7);
    assert_eq!(out.stderr_str(), "Error: exit status 7\n");
    let out = ours.ectl().args(["lock", "x", "true"]).run();
    out.assert_ok();
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
    // The session lease has the TTL asked for.
    let check = format!(
        "{} --endpoints={} lease timetolive ${{ETCD_LOCK_KEY#ttl/}}",
        support::etcdctl_path().display(),
        ours.endpoint()
    );
    let out = ours
        .ectl()
        .args(["lock", "--ttl=7", "ttl", "--", "sh", "-c", &check])
        .env("ETCDCTL_API", "3")
        .run();
    out.assert_ok();
    assert!(out.stdout_str().contains("granted with TTL(7s)"), "{out:?}");
    // Each session lease was revoked on exit, not left to expire.
    let leases = ours.etcdctl().args(["lease", "list"]).run();
    assert_eq!(leases.stdout_str(), "found 0 leases\n");

    // The lock is held while the command runs: etcdctl gets it only once ectl is done.
    let ectl = ours
        .ectl()
        .args([
            "lock",
            "shared",
            "--",
            "sh",
            "-c",
            "echo start; sleep 2; echo end",
        ])
        .spawn();
    ectl.wait_for_stdout("start");
    let etcdctl = ours.etcdctl().args(["lock", "shared"]).spawn();
    sleep(Duration::from_millis(1000));
    assert!(etcdctl.stdout_so_far().is_empty(), "etcdctl got the lock");
    let out = ectl.wait();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "start\nend\n");
    etcdctl.wait_for_stdout("shared/");
    etcdctl.interrupt();
    etcdctl.wait().assert_ok();
}

/// A second candidate becomes leader when the first resigns on Ctrl-C; observers (an ectl and
/// an etcdctl) see both leaders in turn.
#[test]
fn second_candidate_takes_over_when_the_leader_resigns() {
    let etcd = Etcd::single();
    let observers = [etcd.ectl(), etcd.etcdctl()].map(|cmd| cmd.args(["elect", "-l", "e"]).spawn());
    let first = etcd.ectl().args(["elect", "e", "first"]).spawn();
    first.wait_for_stdout("first");
    let second = etcd.ectl().args(["elect", "e", "second"]).spawn();
    for observer in &observers {
        observer.wait_for_stdout("first");
    }
    sleep(BLOCKED);
    assert!(
        second.stdout_so_far().is_empty(),
        "two leaders at once: {}",
        String::from_utf8_lossy(&second.stdout_so_far())
    );
    first.interrupt();
    let first = first.wait();
    first.assert_ok();
    second.wait_for_stdout("second");
    for observer in &observers {
        observer.wait_for_stdout("second");
    }
    second.interrupt();
    let second = second.wait();
    second.assert_ok();
    let [first_key, second_key] = [&first, &second].map(|out| {
        let text = out.stdout_str();
        let mut lines = text.lines();
        let key = lines.next().unwrap().to_owned();
        assert!(key.starts_with("e/"), "{out:?}");
        key
    });
    assert_eq!(first.stdout_str(), format!("{first_key}\nfirst\n"));
    assert_eq!(second.stdout_str(), format!("{second_key}\nsecond\n"));
    for observer in observers {
        observer.interrupt();
        let out = observer.wait();
        out.assert_ok();
        assert_eq!(
            out.stdout_str(),
            format!("{first_key}\nfirst\n{second_key}\nsecond\n")
        );
    }
    // Resigned and revoked: no key and no lease left.
    let left = etcd.etcdctl().args(["get", "--prefix", "e/"]).run();
    assert_eq!(left.stdout_str(), "");
}

/// The auth token lapses (unused for longer than `--auth-token-ttl`) while locks are held and
/// awaited: releasing is refused with the lock service's `invalid auth token` (code Unknown),
/// ectl authenticates again and releases, and the waiting lock is granted.
#[test]
fn lock_is_released_after_its_token_lapsed() {
    let etcd = Etcd::start(support::Options {
        auth_token_ttl: Some(1),
        ..Default::default()
    });
    etcd.enable_auth("pw");
    let ectl = || etcd.ectl().args(["--user", "root:pw"]);
    let holder = ectl().args(["lock", "a"]).spawn();
    holder.wait_for_stdout("a/");
    let waiting = ectl().args(["lock", "a"]).spawn();
    sleep(Duration::from_secs(3));
    assert!(waiting.stdout_so_far().is_empty());
    holder.interrupt();
    holder.wait().assert_ok();
    waiting.wait_for_stdout("a/");
    waiting.interrupt();
    waiting.wait().assert_ok();
}

/// The session lease is kept alive while the lock is held, far beyond its TTL.
#[test]
fn lock_outlives_its_session_ttl() {
    let etcd = Etcd::single();
    let holder = etcd.ectl().args(["lock", "--ttl=2", "long"]).spawn();
    holder.wait_for_stdout("long/");
    sleep(Duration::from_secs(5));
    let keys = etcd
        .etcdctl()
        .args(["get", "--prefix", "long/", "--keys-only"])
        .run();
    assert_eq!(keys.stdout_str().matches("long/").count(), 1, "{keys:?}");
    holder.interrupt();
    holder.wait().assert_ok();
}
