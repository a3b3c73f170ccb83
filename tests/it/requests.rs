//! How many requests a command costs, counted from the `request sent` lines of `--debug`:
//! on a link with real round trips each one is visible, so a range that fits one page must be
//! one request whatever its key names, and a long range few. The output stays what one-shot
//! etcdctl prints. A lone member that never answers costs what it costs etcdctl, and the
//! explanation states the waits the user set.

use crate::support;

use support::Etcd;

/// Kubernetes-like names, `/registry/<resource>/<namespace>/<name>`, from a fixed seed: random
/// enough that no guess from one part of the range says anything of the next.
fn k8s_keys(count: usize, seed: u64) -> Vec<String> {
    const RESOURCES: [&str; 7] = [
        "pods",
        "services/specs",
        "configmaps",
        "secrets",
        "deployments",
        "events",
        "leases",
    ];
    let mut state = seed | 1;
    let mut next = move |below: u64| {
        // xorshift64*: a repeatable stream without a dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d) % below
    };
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789-";
    let mut keys = std::collections::BTreeSet::new();
    while keys.len() < count {
        let resource = RESOURCES[next(RESOURCES.len() as u64) as usize];
        let namespace = next(40);
        let name: String = (0..8 + next(33))
            .map(|_| alphabet[next(alphabet.len() as u64) as usize] as char)
            .collect();
        keys.insert(format!("/registry/{resource}/ns-{namespace}/{name}"));
    }
    keys.into_iter().collect()
}

/// Puts `keys` with values of `value_bytes` (at least one), 100 to a txn, four txns at a time.
fn put_all(etcd: &Etcd, keys: &[String], value_bytes: usize) {
    let value = "v".repeat(value_bytes.max(1));
    let txns: Vec<String> = keys
        .chunks(100)
        .map(|chunk| chunk.iter().map(|k| format!("put {k} {value}\n")).collect())
        .collect();
    std::thread::scope(|scope| {
        for share in txns.chunks(txns.len().div_ceil(4)) {
            scope.spawn(move || {
                for puts in share {
                    etcd.ectl()
                        .arg("txn")
                        .stdin(format!("\n{puts}\n\n"))
                        .run()
                        .assert_ok();
                }
            });
        }
    });
}

/// Runs `args` through both tools on `etcd`: ectl (with `--debug`) must print what etcdctl
/// prints; returns how many Range requests ectl sent.
fn ranges_sent(etcd: &Etcd, args: &[&str]) -> usize {
    let ours = etcd.ectl().args(args).arg("--debug").run();
    ours.assert_ok();
    let theirs = etcd.etcdctl().args(args).run();
    theirs.assert_ok();
    assert!(
        ours.stdout == theirs.stdout,
        "ectl {args:?} printed otherwise"
    );
    ours.stderr_str()
        .lines()
        .filter(|l| l.contains("request sent") && l.contains("/etcdserverpb.KV/Range"))
        .count()
}

#[test]
fn a_range_under_a_page_is_one_request_whatever_its_key_names() {
    let etcd = Etcd::single();
    let pods = k8s_keys(340, 7);
    put_all(&etcd, &pods, 800);
    let wide: Vec<String> = k8s_keys(2_500, 11)
        .into_iter()
        .map(|k| k.replacen("/registry/", "/wide/", 1))
        .collect();
    put_all(&etcd, &wide, 1024);
    let many: Vec<String> = k8s_keys(20_000, 13)
        .into_iter()
        .map(|k| k.replacen("/registry/", "/many/", 1))
        .collect();
    put_all(&etcd, &many, 1);

    let cases: Vec<Vec<&str>> = vec![
        vec!["get", "/registry/", "--prefix"],
        vec!["-w", "json", "get", "/registry/", "--prefix"],
        vec!["get", "/registry/", "--prefix", "--keys-only"],
        vec!["get", "/registry/", "--prefix", "--order=DESCEND"],
        vec!["get", "/registry/", "--prefix", "--limit=100"],
        vec!["get", "/wide/", "--prefix"],
        vec!["-w", "protobuf", "get", "/wide/", "--prefix"],
        vec!["get", "/many/", "--prefix"],
        vec!["get", "/many/", "--prefix", "--keys-only"],
        vec!["get", "/nothing/", "--prefix"],
    ];
    for args in cases {
        let sent = ranges_sent(&etcd, &args);
        assert_eq!(sent, 1, "ectl {args:?} sent {sent} Range requests");
    }
}

#[test]
fn a_long_range_takes_few_requests_and_prints_what_etcdctl_prints() {
    let etcd = Etcd::single();
    let keys: Vec<String> = (0..100_000).map(|i| format!("/seq/{i:07}")).collect();
    put_all(&etcd, &keys, 1024);
    for args in [
        vec!["get", "/seq/", "--prefix"],
        vec!["get", "/seq/", "--prefix", "--order=DESCEND"],
        vec!["-w", "json", "get", "/seq/", "--prefix", "--keys-only"],
    ] {
        let sent = ranges_sent(&etcd, &args);
        // 100 MiB of keys and values is 34 pages of the 3 MiB target, plus the first.
        assert!(
            (1..=40).contains(&sent),
            "ectl {args:?} sent {sent} Range requests"
        );
    }
}

#[test]
fn a_lone_silent_member_fails_as_etcdctl_does_and_names_the_waits() {
    let etcd = Etcd::single();
    etcd.freeze();
    let flags = ["--dial-timeout=300ms", "--command-timeout=1s", "get", "k"];
    let ours = etcd.ectl().args(flags).run();
    let theirs = etcd.etcdctl().args(flags).run();
    etcd.thaw();
    assert_eq!(ours.code, theirs.code, "ectl {ours:?}\netcdctl {theirs:?}");
    assert_eq!(ours.stdout, theirs.stdout);
    let (ours, theirs) = (ours.stderr_str(), theirs.stderr_str());
    assert_eq!(ours.lines().next(), theirs.lines().last(), "{ours}");
    assert!(
        ours.contains(&format!(
            "{}: no answer within 300ms (--dial-timeout), nor when asked again until \
             --command-timeout (1s) ran out",
            etcd.endpoint()
        )),
        "{ours}"
    );
}
