//! `ectl du` on a generated Kubernetes-like keyspace, its totals checked against what
//! `etcdctl get --prefix -w json` returns for the same keys.

use std::collections::BTreeMap;

use crate::support::Etcd;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

/// Puts `(key, value)` pairs with etcdctl, many per txn; `lease` (hex) on every key if given.
fn put_all(etcd: &Etcd, pairs: &[(String, String)], lease: Option<&str>) {
    for chunk in pairs.chunks(100) {
        let mut txn = String::from("\n");
        for (k, v) in chunk {
            match lease {
                Some(id) => txn.push_str(&format!("put {k} {v} --lease={id}\n")),
                None => txn.push_str(&format!("put {k} {v}\n")),
            }
        }
        txn.push_str("\n\n");
        etcd.etcdctl().arg("txn").stdin(txn).run().assert_ok();
    }
}

fn kubernetes_like() -> Etcd {
    let etcd = Etcd::single();
    let mut plain = Vec::new();
    for ns in ["default", "kube-system"] {
        for i in 0..30 {
            plain.push((
                format!("/registry/pods/{ns}/web-{i}"),
                "p".repeat(50 + i * 7),
            ));
        }
        for i in 0..20 {
            plain.push((format!("/registry/configmaps/{ns}/cm-{i}"), "c".repeat(300)));
        }
    }
    plain.push(("/registry/health".into(), "ok".into()));
    plain.push(("/other/x".into(), "outside".into()));
    put_all(&etcd, &plain, None);
    // Pods updated twice more: versions up to 3.
    let updated: Vec<(String, String)> = (0..5)
        .map(|i| (format!("/registry/pods/default/web-{i}"), "q".repeat(80)))
        .collect();
    put_all(&etcd, &updated, None);
    put_all(&etcd, &updated, None);
    let lease = etcd
        .etcdctl()
        .args(["lease", "grant", "600"])
        .run()
        .granted_lease();
    let leased: Vec<(String, String)> = (0..15)
        .map(|i| (format!("/registry/events/default/e-{i}"), "e".repeat(120)))
        .chain((0..10).map(|i| (format!("/registry/secrets/default/s-{i}"), "s".repeat(40))))
        .collect();
    put_all(&etcd, &leased, Some(&lease));
    etcd
}

#[derive(Debug, Default, PartialEq)]
struct Expected {
    keys: u64,
    key_bytes: u64,
    value_bytes: u64,
    leased: u64,
    max_version: i64,
    version_sum: i64,
}

/// Per first level under `/registry/`, from etcdctl's own view of the keys.
fn expected(etcd: &Etcd) -> (BTreeMap<String, Expected>, i64) {
    let out = etcd
        .etcdctl()
        .args(["get", "--prefix", "/registry/", "-w", "json"])
        .run();
    out.assert_ok();
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut groups: BTreeMap<String, Expected> = BTreeMap::new();
    for kv in v["kvs"].as_array().expect("kvs") {
        let key = String::from_utf8(STANDARD.decode(kv["key"].as_str().unwrap()).unwrap()).unwrap();
        let value = STANDARD
            .decode(kv["value"].as_str().unwrap_or_default())
            .unwrap();
        let rest = &key["/registry/".len()..];
        let group = match rest.find('/') {
            Some(i) => format!("/registry/{}", &rest[..=i]),
            None => key.clone(),
        };
        let e = groups.entry(group).or_default();
        e.keys += 1;
        e.key_bytes += key.len() as u64;
        e.value_bytes += value.len() as u64;
        e.leased += u64::from(kv["lease"].as_i64().unwrap_or(0) != 0);
        let version = kv["version"].as_i64().unwrap();
        e.max_version = e.max_version.max(version);
        e.version_sum += version;
    }
    (groups, v["header"]["revision"].as_i64().unwrap())
}

#[test]
fn totals_match_etcdctls_view_of_the_keys() {
    let etcd = kubernetes_like();
    let (expected, revision) = expected(&etcd);
    // Tiny pages, so the scan takes many.
    let out = etcd
        .ectl()
        .args(["-w", "json", "du", "/registry/", "--page-keys=7"])
        .run();
    out.assert_ok();
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["revision"], revision);
    let rows = report["prefixes"].as_array().expect("prefixes");
    assert_eq!(rows.len(), expected.len(), "{report:#}");
    let mut last_bytes = u64::MAX;
    for row in rows {
        let prefix =
            String::from_utf8(STANDARD.decode(row["prefix"].as_str().unwrap()).unwrap()).unwrap();
        let e = &expected[&prefix];
        let n = |k: &str| row[k].as_u64().unwrap();
        assert_eq!(
            (n("keys"), n("key_bytes"), n("value_bytes"), n("leased")),
            (e.keys, e.key_bytes, e.value_bytes, e.leased),
            "{prefix}"
        );
        assert_eq!(row["max_version"].as_i64(), Some(e.max_version), "{prefix}");
        let avg = e.version_sum as f64 / e.keys as f64;
        assert!(
            (row["avg_version"].as_f64().unwrap() - avg).abs() < 0.01,
            "{prefix}"
        );
        let bytes = n("key_bytes") + n("value_bytes");
        assert!(bytes <= last_bytes, "sorted by bytes, largest first");
        last_bytes = bytes;
    }
    let total_keys: u64 = expected.values().map(|e| e.keys).sum();
    assert_eq!(report["total"]["keys"].as_u64(), Some(total_keys));
    assert_eq!(report["total"]["leased"].as_u64(), Some(25));
    assert_eq!(expected["/registry/pods/"].max_version, 3);

    // --top keeps the largest; the total still counts every key. Simple output when piped.
    let out = etcd
        .ectl()
        .args(["du", "/registry/", "--top", "1", "--depth", "2"])
        .run();
    out.assert_ok();
    let text = out.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].ends_with("\t/registry/configmaps/default/")
            || lines[0].ends_with("\t/registry/configmaps/kube-system/"),
        "{text}"
    );
    assert!(lines[1].starts_with(&format!("{total_keys}\t")), "{text}");
    assert!(lines[1].ends_with("\t(total)"), "{text}");

    // The whole keyspace at depth 1: /registry/ and /other/.
    let out = etcd.ectl().args(["du", "-w", "table"]).run();
    out.assert_ok();
    let text = out.stdout_str();
    assert!(
        text.contains("| /registry/ ") && text.contains("| /other/ "),
        "{text}"
    );
}
