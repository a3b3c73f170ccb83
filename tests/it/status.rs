//! `ectl status` on a real cluster: three voting members and a learner, all healthy; then one
//! member stopped, which stays a row with its error and turns the exit code to 1.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Cluster, Out, ectl};

fn status_json(cluster: &Cluster) -> (Out, Value) {
    let out = cluster.ectl().args(["status", "-w", "json"]).run();
    let view: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("status printed no JSON ({e})\n{out:?}"));
    assert_eq!(view["healthy"], out.code == 0, "{out:?}");
    (out, view)
}

fn member<'v>(view: &'v Value, name: &str) -> &'v Value {
    view["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no member {name} in {view}"))
}

#[test]
fn one_view_of_a_cluster_with_a_learner_and_a_stopped_member() {
    let mut cluster = Cluster::new();
    let learner = cluster.add_learner();
    let learner_name = cluster[learner].name().to_string();

    // Once the learner has caught up, every member is healthy: exit 0, one leader.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (out, view) = loop {
        let (out, view) = status_json(&cluster);
        if out.code == 0 {
            break (out, view);
        }
        assert!(Instant::now() < deadline, "never all healthy: {out:?}");
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(out.stderr_str(), "");
    let members = view["members"].as_array().unwrap();
    assert_eq!(members.len(), 4, "{view}");
    assert_eq!(members.iter().filter(|m| m["leader"] == true).count(), 1);
    let l = member(&view, &learner_name);
    assert_eq!(
        (&l["learner"], &l["healthy"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    for m in members {
        assert!(m["db_size"].as_i64().unwrap() > 0, "{m}");
        assert!(m["db_size_in_use"].as_i64().unwrap() > 0, "{m}");
        assert!(m["raft_term"].as_u64().unwrap() > 0, "{m}");
        assert!(m["raft_applied_index"].as_u64().unwrap() > 0, "{m}");
        assert!(m["version"].as_str().unwrap().starts_with("3."), "{m}");
        assert!(!m["took"].as_str().unwrap().is_empty(), "{m}");
        assert_eq!(m["error"], "", "{m}");
    }

    // Stop a voting follower: it stays a row, with its error and no figures.
    let leader = cluster.leader();
    let stopped = (0..3).find(|&i| i != leader).unwrap();
    let stopped_name = cluster[stopped].name().to_string();
    cluster[stopped].kill();
    let (out, view) = status_json(&cluster);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stderr_str(),
        format!("Error: unhealthy cluster: 1 of 4 members unhealthy ({stopped_name})\n")
    );
    assert_eq!(view["members"].as_array().unwrap().len(), 4);
    let s = member(&view, &stopped_name);
    assert_eq!(s["healthy"], false);
    assert_eq!(s["db_size"], Value::Null);
    assert_eq!(s["endpoint"], cluster[stopped].client_url());
    assert!(!s["error"].as_str().unwrap().is_empty(), "{s}");
    for name in ["m0", "m1", "m2", learner_name.as_str()] {
        if name != stopped_name {
            assert_eq!(member(&view, name)["healthy"], true, "{name}: {view}");
        }
    }
    assert_eq!(member(&view, &learner_name)["learner"], true);

    // The simple format: one comma-separated line per member, the stopped one unhealthy.
    let simple = cluster.ectl().args(["status", "-w", "simple"]).run();
    assert_eq!(simple.code, 1);
    let text = simple.stdout_str();
    assert_eq!(text.lines().count(), 4, "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{stopped_name}, ")))
        .unwrap();
    assert!(line.contains(", unhealthy, "), "{line}");
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("{learner_name}, ")))
        .unwrap();
    assert!(
        line.contains(", false, true, 3."),
        "leader false, learner true: {line}"
    );
    assert!(line.contains(", healthy, "), "{line}");

    // The table: a header and a row per member.
    let table = cluster.ectl().args(["status", "-w", "table"]).run();
    assert_eq!(table.code, 1);
    let text = table.stdout_str();
    for column in [
        "NAME",
        "ENDPOINT",
        "LEARNER",
        "DB SIZE",
        "APPLIED (LAG)",
        "HEALTH",
    ] {
        assert!(text.contains(column), "{column}: {text}");
    }
    let rows = text
        .lines()
        .filter(|l| {
            l.split('|')
                .nth(1)
                .is_some_and(|c| c.trim().starts_with('m'))
        })
        .count();
    assert_eq!(rows, 4, "{text}");

    // No member answers the member list: no view at all, and the connection failure's exit 2.
    let gone = ectl()
        .args([
            "--endpoints",
            &cluster[stopped].endpoint(),
            "--dial-timeout=1s",
        ])
        .args(["status", "-w", "json"])
        .run();
    assert_eq!(gone.code, 2, "{gone:?}");
    assert!(gone.stdout.is_empty());
}

#[test]
fn formats_that_cannot_draw_the_view_are_refused_before_anything_is_sent() {
    for format in ["fields", "protobuf"] {
        let out = ectl()
            .args(["--endpoints=127.0.0.1:1", "status", "-w", format])
            .run();
        assert_eq!(
            (out.code, out.stderr_str()),
            (
                4,
                format!("Error: {format} not supported as output format\n")
            )
        );
    }
}
