//! Failover in the client core against real members: dead, frozen and killed endpoints.

use crate::support;

use std::net::TcpListener;
use std::time::Duration;

use support::{Cluster, Etcd, ectl};

/// A loopback port with nothing listening on it. It is on an address no test listens on, so a
/// parallel test's etcd cannot bring it to life between here and its use.
fn dead_endpoint() -> String {
    let listener = TcpListener::bind("127.0.3.3:0").expect("bind a free port");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    addr.to_string()
}

#[test]
fn a_dead_first_endpoint_is_skipped_for_reads_and_writes() {
    let etcd = Etcd::single();
    let endpoints = format!("{},{}", dead_endpoint(), etcd.endpoint());
    let put = ectl()
        .args(["--endpoints", &endpoints, "put", "k", "v"])
        .run();
    put.assert_ok();
    assert_eq!(put.stdout_str(), "OK\n");
    let get = ectl().args(["--endpoints", &endpoints, "get", "k"]).run();
    get.assert_ok();
    assert_eq!(get.stdout_str(), "k\nv\n");
}

#[test]
fn when_every_endpoint_fails_each_is_named_with_its_cause() {
    let (a, b) = (dead_endpoint(), dead_endpoint());
    let out = ectl()
        .args(["--endpoints", &format!("{a},{b}"), "--debug", "get", "k"])
        .run();
    out.assert_code(2);
    assert!(out.stdout.is_empty(), "{out:?}");
    // Refused connections fail at once: nothing waits for a timeout or another round.
    out.assert_refused_without_waiting();
    let stderr = out.stderr_untraced();
    assert!(
        stderr.starts_with("Error: all 2 endpoints failed:"),
        "{out:?}"
    );
    for endpoint in [&a, &b] {
        assert!(
            stderr.contains(&format!("  {endpoint}: ")) && stderr.contains("refused"),
            "{endpoint} is not named with its cause: {out:?}"
        );
    }
}

#[test]
fn a_frozen_pinned_member_is_skipped_well_inside_the_command_timeout() {
    let cluster = Cluster::new();
    cluster
        .ectl()
        .args(["put", "k", "before"])
        .run()
        .assert_ok();
    // The first endpoint is the one ectl pins first.
    cluster.members()[0].freeze();

    let get = passes_over(
        &cluster.members()[0].endpoint(),
        cluster.ectl().args(["--debug", "get", "k"]),
    );
    get.assert_ok();
    assert_eq!(get.stdout_str(), "k\nbefore\n");

    // A write that never reached the frozen member is safe to send to the next one.
    cluster
        .ectl()
        .args(["--dial-timeout=500ms", "put", "k", "after"])
        .run()
        .assert_ok();
    cluster.members()[0].thaw();
    let get = cluster.members()[0].ectl().args(["get", "k"]).run();
    get.assert_ok();
    assert_eq!(get.stdout_str(), "k\nafter\n");
}

#[test]
fn reads_and_writes_survive_a_killed_leader() {
    let cluster = Cluster::new();
    let leader = cluster.leader();
    cluster.members()[leader].kill();
    // Put the dead leader first so the client has to move past it.
    let others: Vec<String> = (0..3)
        .filter(|&i| i != leader)
        .map(|i| cluster.members()[i].endpoint())
        .collect();
    let endpoints = format!(
        "{},{}",
        cluster.members()[leader].endpoint(),
        others.join(",")
    );
    let put = |value: &str| {
        ectl()
            .args(["--endpoints", &endpoints, "put", "k", value])
            .run()
    };
    // At once, while the survivors may still be electing: the write succeeds, or fails with
    // what etcd says of a proposal it could not commit (exit 1); never a connection error for
    // the dead member, which the client must move past.
    let during = put("during");
    if during.code != 0 {
        during.assert_code(1);
        let stderr = during.stderr_str();
        assert!(
            ELECTION_ERRORS
                .iter()
                .any(|e| stderr.lines().next() == Some(e)),
            "a write during the election failed for another reason: {during:?}"
        );
    }
    // Once the survivors have a leader, a write succeeds the first time.
    cluster.leader();
    let after = put("v");
    after.assert_ok();
    assert_eq!(after.stdout_str(), "OK\n");
    let get = ectl().args(["--endpoints", &endpoints, "get", "k"]).run();
    get.assert_ok();
    assert_eq!(get.stdout_str(), "k\nv\n");
}

/// etcd's answers to a write it could not commit for want of a leader, as ectl prints them.
const ELECTION_ERRORS: [&str; 4] = [
    "Error: etcdserver: no leader",
    "Error: etcdserver: leader changed",
    "Error: etcdserver: request timed out",
    "Error: context deadline exceeded",
];

#[test]
fn only_a_frozen_member_times_out_as_etcdctl_does_then_says_what_was_tried() {
    let etcd = Etcd::single();
    etcd.freeze();
    // The frozen member may come back, so it is dialled again until the command's deadline.
    let out = etcd
        .ectl()
        .args(["--dial-timeout=300ms", "--command-timeout=1s", "get", "k"])
        .run();
    etcd.thaw();
    out.assert_code(1);
    let stderr = out.stderr_str();
    assert_eq!(
        stderr.lines().next(),
        Some("Error: context deadline exceeded"),
        "{out:?}"
    );
    assert!(
        stderr.contains(&etcd.endpoint()) && stderr.contains("no answer within"),
        "{out:?}"
    );
}

/// Runs `cmd` (with `--debug`) and asserts from its trace that the member at `frozen` cost no
/// dial timeout: the next endpoint was dialled while the frozen one's dial was still pending
/// (it never fails: it is dropped once another member answers), no dial waited out its
/// timeout, and every request went to a member that answered. Events, not a clock: a loaded
/// machine slows both, but cannot reorder them. (scripts/bench holds the speed target.)
fn passes_over(frozen: &str, cmd: support::Cmd) -> support::Out {
    let out = cmd.run();
    check_passed_over(frozen, &out);
    out
}

fn check_passed_over(frozen: &str, out: &support::Out) {
    let trace = out.trace();
    let frozen_dial = format!("dialing endpoint={frozen} ");
    let next_dial = trace
        .iter()
        .position(|l| l.starts_with("dialing endpoint=") && !l.starts_with(&frozen_dial))
        .unwrap_or_else(|| panic!("no other endpoint was dialled: {out:?}"));
    assert!(
        trace.iter().any(|l| l.starts_with(&frozen_dial)),
        "the frozen member was never dialled, so nothing was passed over: {out:?}"
    );
    assert!(
        !trace[..next_dial]
            .iter()
            .any(|l| l.starts_with(&format!("dial failed endpoint={frozen} "))),
        "the frozen member's dial ended before the next endpoint was dialled: {out:?}"
    );
    out.assert_nothing_waited();
    let sent: Vec<&String> = trace
        .iter()
        .filter(|l| l.starts_with("request sent "))
        .collect();
    assert!(!sent.is_empty(), "no request sent: {out:?}");
    assert!(
        !sent
            .iter()
            .any(|l| l.starts_with(&format!("request sent endpoint={frozen} "))),
        "a request went to the frozen member: {out:?}"
    );
}

/// A cluster whose first endpoint is a frozen member, `k` = `v` written before the freeze.
/// The frozen member is a follower, so the others keep their leader and serve writes.
struct FrozenFirst {
    cluster: Cluster,
    frozen: usize,
    endpoints: String,
}

impl FrozenFirst {
    fn new() -> FrozenFirst {
        let cluster = Cluster::new();
        cluster.ectl().args(["put", "k", "v"]).run().assert_ok();
        let (frozen, endpoints) = cluster.follower_first();
        cluster[frozen].freeze();
        FrozenFirst {
            endpoints,
            cluster,
            frozen,
        }
    }

    /// `ectl --endpoints=<frozen>,<the others>`.
    fn ectl(&self) -> support::Cmd {
        ectl().arg(format!("--endpoints={}", self.endpoints))
    }

    /// `ectl --endpoints=<frozen>,<the others> --debug`, run, and checked with
    /// [`check_passed_over`].
    fn passes_over(&self, args: &[&str]) -> support::Out {
        passes_over(
            &self.cluster[self.frozen].endpoint(),
            self.ectl().arg("--debug").args(args),
        )
    }

    fn healthy(&self) -> impl Iterator<Item = &Etcd> {
        (0..3)
            .filter(|&i| i != self.frozen)
            .map(|i| &self.cluster[i])
    }
}

impl Drop for FrozenFirst {
    fn drop(&mut self) {
        self.cluster[self.frozen].thaw();
    }
}

#[test]
fn twenty_gets_and_puts_with_a_frozen_first_member_each_pass_it_over() {
    let cluster = FrozenFirst::new();
    for i in 0..20 {
        let get = cluster.passes_over(&["get", "k"]);
        get.assert_ok();
        assert_eq!(get.stdout_str(), "k\nv\n", "get {i}");
    }
    for i in 0..20 {
        let put = cluster.passes_over(&["put", &format!("p{i}"), "x"]);
        put.assert_ok();
        assert_eq!(put.stdout_str(), "OK\n", "put {i}");
    }
    let all = cluster
        .ectl()
        .args(["get", "p", "--prefix", "--keys-only"])
        .run();
    assert_eq!(
        all.stdout_str().lines().filter(|l| !l.is_empty()).count(),
        20
    );
}

/// `ectl --debug ARGS` (a stream) has printed `needle`; then it is stopped, and its trace
/// checked with [`check_passed_over`].
fn starts_past_the_frozen_member(cluster: &FrozenFirst, args: &[&str], needle: &str) {
    let running = cluster.ectl().arg("--debug").args(args).spawn();
    running.wait_for_stdout(needle);
    running.interrupt();
    let out = running.wait();
    check_passed_over(&cluster.cluster[cluster.frozen].endpoint(), &out);
}

#[test]
fn twenty_stream_starts_of_each_kind_with_a_frozen_first_member_pass_it_over() {
    let cluster = FrozenFirst::new();
    let put = cluster.ectl().args(["put", "w", "1", "-w", "json"]).run();
    put.assert_ok();
    // Watching from the put's revision replays it at once: no race with a later write.
    let revision = put
        .stdout_str()
        .split("\"revision\":")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .expect("a revision in put's JSON")
        .to_string();
    let lease = cluster
        .passes_over(&["lease", "grant", "60"])
        .granted_lease();
    for _ in 0..20 {
        starts_past_the_frozen_member(&cluster, &["watch", "w", "--rev", &revision], "\nw\n1\n");
        starts_past_the_frozen_member(
            &cluster,
            &["lease", "keep-alive", &lease],
            "keepalived with TTL",
        );
        starts_past_the_frozen_member(&cluster, &["lock", "l"], "l/");
    }
}

#[test]
fn endpoint_status_reports_the_healthy_members_beside_a_frozen_one() {
    let cluster = FrozenFirst::new();
    let out = cluster
        .ectl()
        .args(["--command-timeout=1s", "endpoint", "status"])
        .run();
    out.assert_code(1);
    let stdout = out.stdout_str();
    for member in cluster.healthy() {
        assert!(
            stdout.contains(&format!("{}, ", member.endpoint())),
            "{out:?}"
        );
    }
    let frozen = cluster.cluster[cluster.frozen].endpoint();
    assert!(!stdout.contains(&frozen), "{out:?}");
    assert!(
        out.stderr_str().contains(&format!(
            "Failed to get the status of endpoint {frozen} (context deadline exceeded"
        )),
        "{out:?}"
    );
    // etcdctl says what failed and exits 1 without an `Error:` line; so does ectl.
    let reference = support::etcdctl()
        .arg(format!("--endpoints={}", cluster.endpoints))
        .args(["--command-timeout=1s", "endpoint", "status"])
        .run();
    for said in [&reference, &out] {
        assert_eq!(said.code, 1, "{said:?}");
        assert!(
            said.stderr_str()
                .lines()
                .filter(|line| !line.starts_with("{\"level\":"))
                .all(|line| line.starts_with("Failed to get the status of endpoint ")),
            "{said:?}"
        );
    }
}

/// What a listener that is not etcd's client port sends.
#[derive(Clone, Copy)]
enum Impostor {
    /// An HTTP/1 server: a 400 answer to the HTTP/2 preface, then the connection closed.
    Http1,
    /// An HTTP/2 server that is not gRPC: its SETTINGS, then 404 to the first request.
    Http2NotGrpc,
}

/// Starts an impostor on a free loopback port, serving connections until the test ends.
fn impostor(kind: Impostor) -> String {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                match kind {
                    Impostor::Http1 => {
                        let _ = conn.read(&mut buf);
                        let _ = conn.write_all(
                            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                    }
                    Impostor::Http2NotGrpc => {
                        // SETTINGS (empty), then once the request is in: SETTINGS ACK and
                        // HEADERS on stream 1 with END_STREAM | END_HEADERS, whose one HPACK
                        // byte is the static table's `:status: 404` (index 13).
                        let _ = conn.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
                        let _ = conn.read(&mut buf);
                        std::thread::sleep(Duration::from_millis(20));
                        let _ = conn.write_all(&[0, 0, 0, 4, 1, 0, 0, 0, 0]);
                        let _ = conn.write_all(&[0, 0, 1, 1, 5, 0, 0, 0, 1, 0x8d]);
                        while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn listeners_that_are_not_etcd_are_passed_over_and_named_when_alone() {
    let etcd = Etcd::single();
    etcd.ectl().args(["put", "k", "v"]).run().assert_ok();
    for (kind, name) in [
        (Impostor::Http1, "HTTP/1"),
        (Impostor::Http2NotGrpc, "HTTP/2 without gRPC"),
    ] {
        let bad = impostor(kind);
        for args in [&["get", "k"][..], &["put", "k", "v"][..]] {
            let out = ectl()
                .arg(format!("--endpoints={bad},{}", etcd.endpoint()))
                .args(args)
                .run();
            out.assert_ok();
            assert!(
                out.stdout_str() == "k\nv\n" || out.stdout_str() == "OK\n",
                "{name}: {out:?}"
            );
        }
        let alone = ectl()
            .arg(format!("--endpoints={bad}"))
            .args(["get", "k"])
            .run();
        assert!(alone.code != 0, "{name}: {alone:?}");
        let stderr = alone.stderr_str();
        assert!(stderr.contains(&bad), "{name}: {alone:?}");
        assert!(
            stderr.contains("is this an etcd client URL? (2380 is the peer port)"),
            "{name}: {alone:?}"
        );
        if let Impostor::Http2NotGrpc = kind {
            assert!(stderr.contains("HTTP status code 404"), "{name}: {alone:?}");
        }
    }
}

#[test]
fn a_peer_port_first_is_no_obstacle() {
    // etcd 3.4 serves its gRPC API on the peer port too, so etcdctl and ectl both get answers
    // there; the point is that nothing stalls or fails.
    let cluster = Cluster::new();
    cluster.ectl().args(["put", "k", "v"]).run().assert_ok();
    let peer = cluster[0].peer_url();
    let out = ectl()
        .arg(format!("--endpoints={peer},{}", cluster[1].endpoint()))
        .args(["--debug", "get", "k"])
        .run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "k\nv\n");
    out.assert_nothing_waited();
    let reference = support::etcdctl()
        .arg(format!("--endpoints={peer},{}", cluster[1].endpoint()))
        .args(["get", "k"])
        .run();
    assert_eq!((out.code, out.stdout), (reference.code, reference.stdout));
}

#[test]
fn the_deadline_message_is_etcdctls_every_time() {
    let etcd = Etcd::single();
    etcd.freeze();
    let args = ["--command-timeout=300ms", "get", "k"];
    let reference = etcd.etcdctl().args(args).run();
    for run in 0..20 {
        let out = etcd.ectl().args(args).run();
        assert_eq!(out.code, reference.code, "run {run}: {out:?}");
        assert_eq!(
            out.stderr_str().lines().next(),
            Some("Error: context deadline exceeded"),
            "run {run}: {out:?}"
        );
    }
    etcd.thaw();
    assert_eq!(
        reference.stderr_str().lines().last(),
        Some("Error: context deadline exceeded")
    );
}

#[test]
fn an_8_mib_put_names_the_limit_flag_and_both_sizes() {
    let etcd = Etcd::single();
    let value = vec![b'x'; 8 << 20];
    let out = etcd.ectl().args(["put", "big"]).stdin(value.clone()).run();
    out.assert_code(1);
    let reference = etcd.etcdctl().args(["put", "big"]).stdin(value).run();
    assert_eq!(reference.code, 1);
    let stderr = out.stderr_str();
    // The first line is etcdctl's; the next names the flag.
    assert_eq!(
        stderr.lines().next(),
        reference
            .stderr_str()
            .lines()
            .find(|l| l.starts_with("Error: ")),
        "{out:?}"
    );
    assert!(
        stderr.contains("--max-request-bytes")
            && stderr.contains("8388618")
            && stderr.contains("2097152"),
        "{out:?}"
    );
}

#[test]
fn the_client_certificate_hint_comes_only_for_a_tls_handshake_refusal() {
    let etcd = Etcd::start(support::Options {
        tls: Some(support::Tls::new()),
        ..support::Options::default()
    });
    let tls = etcd.tls().unwrap();
    let no_cert = ectl()
        .arg(format!("--endpoints={}", etcd.client_url()))
        .arg(format!("--cacert={}", tls.ca().display()))
        .args(["get", "k"])
        .run();
    assert_ne!(no_cert.code, 0, "{no_cert:?}");
    assert!(
        no_cert.stderr_str().contains("--cert and --key"),
        "{no_cert:?}"
    );
    // A plaintext member that went away says nothing of certificates.
    let plain = Etcd::single();
    plain.kill();
    let gone = plain.ectl().args(["get", "k"]).run();
    assert_eq!(gone.code, 2, "{gone:?}");
    assert!(!gone.stderr_str().contains("certificate"), "{gone:?}");
    // Nor does a plain connection to the TLS member: it points to https:// instead.
    let plaintext = ectl()
        .arg(format!("--endpoints={}", etcd.endpoint()))
        .args(["--dial-timeout=1s", "get", "k"])
        .run();
    assert_ne!(plaintext.code, 0, "{plaintext:?}");
    let stderr = plaintext.stderr_str();
    assert!(!stderr.contains("--cert and --key"), "{plaintext:?}");
}

#[test]
fn a_healthy_first_endpoint_is_the_one_used() {
    let cluster = Cluster::new();
    cluster.ectl().args(["put", "k", "v"]).run().assert_ok();
    let first = cluster[0].endpoint();
    let (mut alone, mut raced) = (0, 0);
    for run in 0..20 {
        let out = cluster.ectl().args(["--debug", "get", "k"]).run();
        out.assert_ok();
        let dials: Vec<String> = out
            .trace()
            .into_iter()
            .filter(|l| l.starts_with("dialing endpoint="))
            .collect();
        assert!(
            dials
                .first()
                .is_some_and(|d| d.starts_with(&format!("dialing endpoint={first} "))),
            "run {run}: the first endpoint was not dialled first: {out:?}"
        );
        // A member that answers within its head start is the only one dialled, and used. On a
        // starved machine the head start may pass first; then the race is fair, and the run
        // says nothing about the preference.
        if dials.len() == 1 {
            assert!(
                out.stderr_str()
                    .contains(&format!("request sent endpoint={first} ")),
                "run {run}: {out:?}"
            );
            alone += 1;
        } else {
            raced += 1;
        }
    }
    assert!(
        alone > 0,
        "the first endpoint never answered within its head start in 20 runs ({raced} raced)"
    );
}
