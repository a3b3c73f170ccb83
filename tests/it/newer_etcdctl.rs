//! etcdctl 3.5–3.7 additions that leave 3.4.23's bytes alone (docs/newer-etcdctl.md):
//! `member list --consistency`, `del --range`, `--auth-jwt-token`, and `endpoint hashkv`'s
//! `hash_revision`. Each is checked against the reference etcdctl 3.4.23 where 3.4 has the same
//! command, and for what the server does with it, against 3.4 and 3.5 servers (scripts/test
//! runs this group again with etcd 3.5.1).

use crate::support;

use support::{Cluster, Etcd, Options, ectl, server_version};

fn at(endpoint: &str) -> String {
    format!("--endpoints={endpoint}")
}

/// Without the flag, `member list` is 3.4's; with it, the same bytes while the cluster is
/// whole. With quorum lost, a linearizable list (3.6's default, here only on request) fails on
/// a 3.5 server, which honours the field, while a 3.4 server ignores it.
#[test]
fn member_list_consistency_is_chosen_not_imposed() {
    let cluster = Cluster::start(3, Options::default());
    let endpoint = cluster.members()[0].endpoint();
    let reference = support::etcdctl()
        .args([&at(&endpoint), "member", "list"])
        .run();
    reference.assert_ok();
    for extra in [&[][..], &["--consistency=l"], &["--consistency", "s"]] {
        let out = ectl()
            .args([&at(&endpoint), "member", "list"])
            .args(extra)
            .run();
        support::assert_same_as_etcdctl(&reference, &out, &format!("member list {extra:?}"));
    }
    let bad = ectl()
        .args([&at(&endpoint), "member", "list", "--consistency=x"])
        .run();
    assert_eq!(
        (bad.code, bad.stderr_str().as_str()),
        (4, "Error: unknown consistency flag \"x\"\n")
    );

    cluster.members()[1].kill();
    cluster.members()[2].kill();
    let list = |extra: &[&str]| {
        ectl()
            .args([&at(&endpoint), "--command-timeout=3s", "member", "list"])
            .args(extra)
            .run()
    };
    list(&[]).assert_ok();
    list(&["--consistency=s"]).assert_ok();
    let linearizable = list(&["--consistency=l"]);
    if server_version() >= (3, 5) {
        assert_ne!(linearizable.code, 0, "{linearizable:?}");
        assert!(linearizable.stdout.is_empty());
    } else {
        linearizable.assert_ok();
    }
}

/// `del --range` deletes what 3.4's `del key range_end` deletes, with the same output and no
/// warning or pause (3.5.6 warns, 3.6 also waits 2 s, when it is missing).
#[test]
fn del_range_is_accepted_and_changes_nothing() {
    let etcd = Etcd::single();
    for prefix in ["x", "y"] {
        for key in ["a", "b", "c", "d"] {
            etcd.ectl()
                .args(["put", &format!("{prefix}/{key}"), "v"])
                .run()
                .assert_ok();
        }
    }
    let reference = etcd.etcdctl().args(["del", "x/a", "x/c"]).run();
    let out = etcd.ectl().args(["del", "--range", "y/a", "y/c"]).run();
    assert_eq!(
        (out.code, out.stdout_str(), out.stderr_str()),
        (
            reference.code,
            reference.stdout_str(),
            reference.stderr_str()
        )
    );
    assert_eq!(out.stdout_str(), "2\n");
    // Without it, 3.4's behaviour: no warning on a range.
    let plain = etcd.ectl().args(["del", "y/c", "y/e"]).run();
    assert_eq!(
        (plain.stdout_str(), plain.stderr_str()),
        ("2\n".into(), String::new())
    );
    let left = etcd
        .ectl()
        .args(["get", "", "--prefix", "-w", "json"])
        .run();
    let left: serde_json::Value = serde_json::from_slice(&left.stdout).unwrap();
    assert_eq!(left["count"], 2, "x/c and x/d are left: {left}");
}

/// A token obtained from etcd (its JSON gateway, so neither tool is involved) authenticates
/// every request given with `--auth-jwt-token` or `ETCDCTL_AUTH_JWT_TOKEN`; with `--user` or
/// `--password` it is refused before anything is sent or asked.
#[test]
fn auth_jwt_token_authenticates_and_is_refused_with_a_user() {
    let etcd = Etcd::single();
    etcd.enable_auth("rootpw");
    let reply = support::Cmd::new("curl")
        .args([
            "-sS",
            "-X",
            "POST",
            &format!("{}/v3/auth/authenticate", etcd.client_url()),
            "-d",
            r#"{"name":"root","password":"rootpw"}"#,
        ])
        .run();
    reply.assert_ok();
    let json: serde_json::Value = serde_json::from_slice(&reply.stdout).unwrap();
    let token = json["token"].as_str().expect("a token").to_string();

    etcd.ectl()
        .args([&format!("--auth-jwt-token={token}"), "put", "k", "v"])
        .run()
        .assert_ok();
    let got = etcd
        .ectl()
        .env("ETCDCTL_AUTH_JWT_TOKEN", &token)
        .args(["get", "k"])
        .run();
    got.assert_ok();
    assert_eq!(got.stdout_str(), "k\nv\n");
    // Streams carry it too (a snapshot needs root's rights).
    let snapshot = etcd
        .ectl()
        .args([
            &format!("--auth-jwt-token={token}"),
            "snapshot",
            "save",
            "-",
        ])
        .run();
    snapshot.assert_ok();
    assert!(snapshot.stdout.len() > 4096);

    let anonymous = etcd.ectl().args(["get", "k"]).run();
    assert_ne!(anonymous.code, 0);
    let forged = etcd
        .ectl()
        .args(["--auth-jwt-token=not-a-token", "get", "k"])
        .run();
    assert_ne!(forged.code, 0);
    assert!(
        forged.stderr_str().contains("invalid auth token"),
        "{}",
        forged.stderr_str()
    );

    let refused = "Error: --auth-jwt-token cannot be used with --user or --password: \
                   Username/Password and Token configurations are mutually exclusive\n";
    for (flags, env) in [
        (vec!["--user=root:rootpw", "--auth-jwt-token=t"], None),
        (vec!["--user=root", "--auth-jwt-token=t"], None),
        (vec!["--password=rootpw", "--user=root"], Some("t")),
    ] {
        let mut cmd = etcd.ectl().args(&flags).args(["get", "k"]);
        if let Some(token) = env {
            cmd = cmd.env("ETCDCTL_AUTH_JWT_TOKEN", token);
        }
        let out = cmd.run();
        assert_eq!(
            (out.code, out.stdout_str(), out.stderr_str()),
            (128, String::new(), refused.to_string()),
            "{flags:?} {env:?}"
        );
    }
}

/// A 3.4 or 3.5 server sends no `hash_revision`: every format prints etcdctl 3.4.23's bytes.
#[test]
fn hashkv_prints_3_4s_bytes_when_the_server_sends_no_hash_revision() {
    let etcd = Etcd::single();
    etcd.ectl().args(["put", "a", "1"]).run().assert_ok();
    for format in ["simple", "json", "table", "fields"] {
        let reference = etcd
            .etcdctl()
            .args(["endpoint", "hashkv", "-w", format])
            .run();
        let out = etcd.ectl().args(["endpoint", "hashkv", "-w", format]).run();
        support::assert_same_as_etcdctl(&reference, &out, &format!("hashkv -w {format}"));
    }
}
