//! Failover in the client core against real members: dead, frozen and killed endpoints.

use crate::support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

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
    let started = Instant::now();
    let out = ectl()
        .args(["--endpoints", &format!("{a},{b}"), "get", "k"])
        .run();
    out.assert_code(2);
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = out.stderr_str();
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
    // Refused connections fail at once; nothing waits for a timeout.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
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

    let started = Instant::now();
    let get = cluster.ectl().args(["get", "k"]).run();
    let read_took = started.elapsed();
    get.assert_ok();
    assert_eq!(get.stdout_str(), "k\nbefore\n");
    // The frozen member costs at most one --dial-timeout (2s) of the 5s --command-timeout.
    assert!(
        read_took < Duration::from_millis(4000),
        "read took {read_took:?}"
    );

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
    // The survivors may still be electing a leader; etcd answers "no leader" meanwhile.
    let deadline = Instant::now() + Duration::from_secs(15);
    let put = loop {
        let put = ectl()
            .args(["--endpoints", &endpoints, "put", "k", "v"])
            .run();
        if put.code == 0 || Instant::now() > deadline {
            break put;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    put.assert_ok();
    let get = ectl().args(["--endpoints", &endpoints, "get", "k"]).run();
    get.assert_ok();
    assert_eq!(get.stdout_str(), "k\nv\n");
}

#[test]
fn only_a_frozen_member_times_out_with_a_message_that_says_so() {
    let etcd = Etcd::single();
    etcd.freeze();
    let out = etcd.ectl().args(["--dial-timeout=300ms", "get", "k"]).run();
    etcd.thaw();
    out.assert_code(2);
    let stderr = out.stderr_str();
    assert!(
        stderr.contains(&etcd.endpoint()) && stderr.contains("no answer within 300ms"),
        "{out:?}"
    );
}
