//! Tests of the test harness itself (`tests/support`): real etcd members, clusters, TLS, auth,
//! freeze/thaw, and the command runner. They drive the reference etcdctl, not ectl, so a harness
//! bug is never mistaken for an ectl bug.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{Cluster, Cmd, Etcd, Options, Tls, etcdctl};

/// For commands expected to fail: etcdctl would otherwise retry for its default 5 s.
const FAIL_FAST: [&str; 2] = ["--dial-timeout=1s", "--command-timeout=1s"];

#[test]
fn single_member_is_healthy_and_serves_kv() {
    let etcd = Etcd::single();
    assert!(etcd.is_healthy(Duration::from_secs(1)));
    assert!(etcd.is_running());
    assert_eq!(etcd.name(), "m0");
    assert_eq!(etcd.is_leader(), Some(true));
    assert_eq!(etcd.client_url(), format!("http://{}", etcd.endpoint()));
    assert!(etcd.endpoint().starts_with("127.0.0.1:"));
    assert!(
        etcd.data_dir().join("member").is_dir(),
        "data dir is in use"
    );
    assert!(etcd.log_tail().contains("elected leader"));

    etcd.etcdctl().args(["put", "foo", "bar"]).run().assert_ok();
    let out = etcd.etcdctl().args(["get", "foo"]).run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "foo\nbar\n");
}

#[test]
fn members_are_isolated_from_each_other() {
    let a = Etcd::single();
    let b = Etcd::single();
    assert_ne!(a.endpoint(), b.endpoint());
    assert_ne!(a.data_dir(), b.data_dir());
    a.etcdctl()
        .args(["put", "only-in-a", "1"])
        .run()
        .assert_ok();
    let out = b.etcdctl().args(["get", "only-in-a"]).run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "");
}

#[test]
fn cluster_has_one_leader_and_elects_another_when_it_dies() {
    let cluster = Cluster::new();
    assert_eq!(cluster.members().len(), 3);
    assert_eq!(cluster.endpoints().split(',').count(), 3);

    let out = cluster.etcdctl().args(["member", "list"]).run();
    out.assert_ok();
    assert_eq!(out.stdout_str().lines().count(), 3, "{out:?}");
    for member in cluster.members() {
        assert!(out.stdout_str().contains(member.name()), "{out:?}");
        assert!(out.stdout_str().contains(&member.peer_url()), "{out:?}");
        assert!(out.stdout_str().contains(&member.client_url()), "{out:?}");
    }

    let old = cluster.leader();
    let claims: Vec<Option<bool>> = cluster.members().iter().map(Etcd::is_leader).collect();
    assert_eq!(
        claims.iter().filter(|c| **c == Some(true)).count(),
        1,
        "{claims:?}"
    );
    assert_eq!(claims[old], Some(true));

    cluster[old].kill();
    assert!(!cluster[old].is_running());
    assert!(!cluster[old].is_healthy(Duration::from_secs(1)));
    let new = cluster.leader();
    assert_ne!(new, old);

    let survivors: Vec<String> = (0..3)
        .filter(|&i| i != old)
        .map(|i| cluster[i].endpoint())
        .collect();
    etcdctl()
        .arg(format!("--endpoints={}", survivors.join(",")))
        .args(["put", "after", "failover"])
        .run()
        .assert_ok();
}

#[test]
fn tls_member_requires_a_client_certificate_from_its_ca() {
    let tls = Tls::new();
    let etcd = Etcd::start(Options {
        tls: Some(tls.clone()),
        ..Options::default()
    });
    assert!(etcd.client_url().starts_with("https://127.0.0.1:"));
    assert!(etcd.tls().is_some());

    // etcd.etcdctl() passes the good CA and client certificate.
    etcd.etcdctl()
        .args(["put", "secure", "yes"])
        .run()
        .assert_ok();
    // localhost is in the server certificate too.
    let port = etcd.endpoint().rsplit(':').next().unwrap().to_owned();
    let out = etcdctl()
        .arg(format!("--endpoints=https://localhost:{port}"))
        .args(tls.client_flags())
        .args(["get", "secure"])
        .run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "secure\nyes\n");

    // Each refusal must be a TLS refusal the server logged, not just any failure: etcdctl
    // itself only says "context deadline exceeded".
    let refused = |flags: &[String], server_log: &str| {
        let out = etcdctl()
            .arg(format!("--endpoints={}", etcd.endpoint()))
            .args(flags)
            .args(FAIL_FAST)
            .args(["get", "secure"])
            .run();
        assert_ne!(out.code, 0, "{out:?}");
        assert_eq!(out.stdout_str(), "", "{out:?}");
        let log = etcd.log_tail();
        assert!(
            log.lines()
                .any(|l| l.contains("rejected connection") && l.contains(server_log)),
            "no {server_log:?} in the etcd log after {out:?}"
        );
    };
    let flag = |name: &str, path: &Path| format!("--{name}={}", path.display());
    // The client does not trust the server certificate.
    refused(
        &[
            flag("cacert", &tls.other_ca()),
            flag("cert", &tls.client_cert()),
            flag("key", &tls.client_key()),
        ],
        "remote error: tls: bad certificate",
    );
    // The server does not trust the client certificate.
    refused(
        &[
            flag("cacert", &tls.ca()),
            flag("cert", &tls.other_client_cert()),
            flag("key", &tls.other_client_key()),
        ],
        "failed to verify client certificate",
    );
    // The server requires a client certificate.
    refused(&[flag("cacert", &tls.ca())], "didn't provide a certificate");
}

#[test]
fn auth_setup_requires_a_user() {
    // An unknown flag would stop etcd from starting: this also checks the TTL flag's spelling.
    let etcd = Etcd::start(Options {
        auth_token_ttl: Some(5),
        ..Options::default()
    });
    etcd.enable_auth("s3cr\"et");
    assert!(etcd.is_healthy(Duration::from_secs(1)));

    let anonymous = etcd.etcdctl().args(FAIL_FAST).args(["get", "foo"]).run();
    assert_ne!(anonymous.code, 0, "{anonymous:?}");
    assert!(
        anonymous.stderr_str().contains("user name is empty"),
        "{anonymous:?}"
    );

    let wrong = etcd
        .etcdctl()
        .args(FAIL_FAST)
        .args(["--user=root:nope", "get", "foo"])
        .run();
    assert_ne!(wrong.code, 0, "{wrong:?}");
    assert!(
        wrong.stderr_str().contains("authentication failed"),
        "{wrong:?}"
    );

    etcd.etcdctl()
        .args(["--user=root:s3cr\"et", "put", "foo", "bar"])
        .run()
        .assert_ok();
    let out = etcd
        .etcdctl()
        .args(["--user=root:s3cr\"et", "get", "foo"])
        .run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "foo\nbar\n");
}

#[test]
fn frozen_member_answers_only_after_thaw() {
    let etcd = Etcd::single();
    etcd.freeze();
    let started = Instant::now();
    assert!(!etcd.is_healthy(Duration::from_secs(1)));
    // Guards the probe's own 1 s timeout (a frozen member never answers): ten times it, so a
    // loaded machine cannot fail this, while a probe without a timeout would hang.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "probe is bounded"
    );
    assert_eq!(etcd.is_leader(), None);
    assert!(etcd.is_running(), "stopped, not dead");

    etcd.thaw();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !etcd.is_healthy(Duration::from_secs(1)) {
        assert!(
            Instant::now() < deadline,
            "member still unhealthy after thaw"
        );
    }
}

#[test]
fn runner_passes_stdin_and_captures_exit_codes() {
    let etcd = Etcd::single();
    // `put KEY` without a value reads the value from stdin.
    etcd.etcdctl()
        .args(["put", "from-stdin"])
        .stdin("piped value")
        .run()
        .assert_ok();
    let out = etcd
        .etcdctl()
        .args(["get", "from-stdin", "--print-value-only"])
        .run();
    assert_eq!(out.assert_ok().stdout, b"piped value\n");

    let bad = etcd.etcdctl().arg("no-such-command").run();
    assert_ne!(bad.code, 0);
    assert!(!bad.stderr.is_empty(), "{bad:?}");

    Cmd::new("sh").args(["-c", "exit 7"]).run().assert_code(7);
    Cmd::new("sh")
        .args(["-c", "kill -TERM $$"])
        .run()
        .assert_code(128 + 15);
}

#[test]
fn runner_gives_a_clean_environment() {
    let out = Cmd::new("env")
        .env("ETCDCTL_ENDPOINTS", "set-by-test")
        .run();
    out.assert_ok();
    let mut names: Vec<String> = out
        .stdout_str()
        .lines()
        .filter_map(|line| line.split_once('=').map(|(k, _)| k.to_owned()))
        .collect();
    names.sort();
    names.retain(|n| n != "PATH" && n != "HOME");
    assert_eq!(names, ["ETCDCTL_ENDPOINTS"]);

    // The reference runner sets ETCDCTL_API=3 itself.
    let version = etcdctl().arg("version").run();
    assert!(
        version.assert_ok().stdout_str().contains("API version: 3"),
        "{version:?}"
    );
}

#[test]
fn runner_streams_output_and_interrupts() {
    let etcd = Etcd::single();
    etcd.etcdctl()
        .args(["put", "watched", "v1"])
        .run()
        .assert_ok();
    // --rev=1 replays history, so the event is there however late the watch starts.
    let watch = etcd.etcdctl().args(["watch", "watched", "--rev=1"]).spawn();
    watch.wait_for_stdout("v1");
    watch.interrupt();
    let out = watch.wait();
    assert_eq!(&out.stdout[..], b"PUT\nwatched\nv1\n", "{out:?}");
}

#[test]
#[should_panic(expected = "did not finish within")]
fn runner_kills_a_hung_command() {
    Cmd::new("sleep")
        .arg("30")
        .timeout(Duration::from_millis(300))
        .run();
}
