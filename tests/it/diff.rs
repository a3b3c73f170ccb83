//! `ectl diff` against real etcd: two revisions, two clusters with planted differences, and
//! the members of one cluster while one of them is frozen and after it catches up.

use std::time::{Duration, Instant};

use crate::support::{Cluster, Etcd, ectl};
use serde_json::Value;

fn put(etcd: &Etcd, key: &str, value: &str) {
    etcd.etcdctl().args(["put", key, value]).run().assert_ok();
}

#[test]
fn two_revisions_and_two_clusters() {
    let a = Etcd::single();
    for k in ["a", "b", "c", "d"] {
        put(&a, &format!("/p/{k}"), "1");
    }
    put(&a, "/q", "outside the prefix");
    // Revision 6: /p/a..d. Then: b changed, c deleted, e added.
    put(&a, "/p/b", "2");
    a.etcdctl().args(["del", "/p/c"]).run().assert_ok();
    put(&a, "/p/e", "1");
    put(&a, "/q", "changed outside");

    let out = a
        .ectl()
        .args(["diff", "--rev=6", "--rev=9", "/p/", "--page-keys=2"])
        .run();
    out.assert_code(1);
    assert_eq!(
        out.stdout_str(),
        "--- revision 6\n+++ revision 9\n\
         -\"/p/b\" = \"1\"\n+\"/p/b\" = \"2\"\n-\"/p/c\" = \"1\"\n+\"/p/e\" = \"1\"\n"
    );
    assert_eq!(out.stderr_str(), "3 differences\n");
    // One --rev: against now; equal views print nothing and exit 0.
    let out = a.ectl().args(["diff", "--rev=9", "/p/"]).run();
    out.assert_ok();
    assert_eq!(out.stdout_str(), "");

    // A second cluster holding the same keys at other revisions, then planted differences.
    let b = Etcd::single();
    for (k, v) in [("a", "1"), ("b", "2"), ("d", "1"), ("e", "1")] {
        put(&b, &format!("/p/{k}"), v);
    }
    let out = ectl()
        .arg("diff")
        .args(clusters_args(&a, &b))
        .arg("/p/")
        .run();
    out.assert_ok();
    put(&b, "/p/d", "planted");
    b.etcdctl().args(["del", "/p/a"]).run().assert_ok();
    put(&b, "/p/z", "extra");
    let out = ectl()
        .args(["-w", "json", "diff"])
        .args(clusters_args(&a, &b))
        .arg("/p/")
        .arg("--page-keys=1")
        .run();
    out.assert_code(1);
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let comparison = &report["comparisons"][0];
    assert_eq!(comparison["a"]["label"], a.endpoint());
    assert_eq!(comparison["b"]["label"], b.endpoint());
    let changes: Vec<(String, String)> = comparison["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            (
                d["key"].as_str().unwrap().to_string(),
                d["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // /p/a, /p/d, /p/z in base64.
    assert_eq!(
        changes,
        [
            ("L3AvYQ==".to_string(), "deleted".to_string()),
            ("L3AvZA==".to_string(), "changed".to_string()),
            ("L3Aveg==".to_string(), "added".to_string()),
        ]
    );
}

fn clusters_args(a: &Etcd, b: &Etcd) -> [String; 2] {
    [
        format!("--endpoints-a={}", a.endpoint()),
        format!("--endpoints-b={}", b.endpoint()),
    ]
}

#[test]
fn members_views_differ_while_one_is_frozen_and_agree_once_it_caught_up() {
    let cluster = Cluster::new();
    let diff = || {
        cluster
            .ectl()
            .args(["--dial-timeout=2s", "diff", "--members"])
            .run()
    };
    for i in 0..20 {
        cluster
            .etcdctl()
            .args(["put", &format!("k{i}"), "v"])
            .run()
            .assert_ok();
    }
    // Equal members: the HashKV comparison settles it.
    let deadline = Instant::now() + Duration::from_secs(10);
    while diff().code != 0 {
        assert!(Instant::now() < deadline, "members never agreed");
        std::thread::sleep(Duration::from_millis(200));
    }

    // A follower, so the cluster keeps its leader and takes writes meanwhile.
    let leader = cluster.leader();
    let lagging = (leader + 1) % 3;
    let other = (leader + 2) % 3;
    cluster[lagging].freeze();
    let live = format!(
        "--endpoints={},{}",
        cluster[leader].endpoint(),
        cluster[other].endpoint()
    );
    for i in 0..10 {
        ectl()
            .arg(&live)
            .args(["put", &format!("new{i}"), "v"])
            .run()
            .assert_ok();
    }
    let out = diff();
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr_str().contains(&cluster[lagging].endpoint()),
        "{out:?}"
    );

    cluster[lagging].thaw();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let out = diff();
        if out.code == 0 {
            assert_eq!(out.stdout_str(), "");
            break;
        }
        // While it catches up, the lag is listed as keys the reference has and it lacks.
        if out.code == 1 {
            assert!(out.stdout_str().contains("+++ "), "{out:?}");
        }
        assert!(
            Instant::now() < deadline,
            "the thawed member never caught up: {out:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
