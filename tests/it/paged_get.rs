//! `get` over ranges read in pages: byte-identical to one-shot etcdctl in every format (tiny
//! `--page-size` values force many pages on little data), one revision while a writer runs, a
//! clear error when that revision is compacted between pages, and no key lost or repeated
//! when the serving member dies mid-range.

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use support::{Cluster, Cmd, Etcd};

/// `count` keys `{prefix}{i:04}` with values of a few sizes (some empty), in txns of 100.
fn fill(cmd: impl Fn() -> Cmd, prefix: &str, count: usize) {
    let keys: Vec<usize> = (0..count).collect();
    for chunk in keys.chunks(100) {
        let puts: String = chunk
            .iter()
            .map(|i| match i % 7 {
                0 => format!("put {prefix}{i:04} \"\"\n"),
                n => format!("put {prefix}{i:04} {}\n", "v".repeat(n * 40)),
            })
            .collect();
        cmd()
            .arg("txn")
            .stdin(format!("\n{puts}\n\n"))
            .run()
            .assert_ok();
    }
}

/// The revision in a `-w json` get's header.
fn header_revision(json: &str) -> String {
    let at = json.find("\"revision\":").expect("a header revision") + 11;
    json[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// A json get's `kvs` and what follows, without the header (which names the member).
fn kvs_part(json: &str) -> &str {
    &json[json.find("\"kvs\"").unwrap_or(json.len())..]
}

#[test]
fn every_format_and_flag_prints_what_one_shot_etcdctl_prints() {
    let etcd = Etcd::single();
    fill(|| etcd.ectl(), "k/", 60);
    let binary: std::ffi::OsString =
        std::os::unix::ffi::OsStringExt::from_vec(vec![b'k', b'/', 0xff, 0x01]);
    etcd.ectl()
        .arg("put")
        .arg(&binary)
        .arg("\u{7}bell")
        .run()
        .assert_ok();
    etcd.ectl().args(["put", "other", "x"]).run().assert_ok();
    let rev = header_revision(
        &etcd
            .ectl()
            .args(["get", "k/", "--prefix", "-w", "json"])
            .run()
            .stdout_str(),
    );
    etcd.ectl()
        .args(["put", "k/0001", "changed later"])
        .run()
        .assert_ok();
    etcd.ectl().args(["del", "k/0002"]).run().assert_ok();

    let ranges: Vec<Vec<&str>> = vec![
        vec!["k/", "--prefix"],
        vec!["k/", "--prefix", "--keys-only"],
        vec!["k/", "--prefix", "--limit", "7"],
        vec!["k/", "--prefix", "--limit=100"],
        vec!["k/", "--prefix", "--order", "DESCEND"],
        vec![
            "k/",
            "--prefix",
            "--order=DESCEND",
            "--limit",
            "5",
            "--keys-only",
        ],
        vec!["k/", "--prefix", "--order=ASCEND", "--sort-by=KEY"],
        vec!["k/", "--prefix", "--rev", &rev],
        vec!["k/0030", "--from-key"],
        vec!["k/0010", "k/0040"],
        vec!["", "--from-key"],
        vec!["nothing/", "--prefix"],
    ];
    let mut cases = 0;
    for format in ["simple", "json", "fields", "protobuf"] {
        let mut flag_sets = ranges.clone();
        if format == "simple" {
            flag_sets.push(vec!["k/", "--prefix", "--print-value-only"]);
            flag_sets.push(vec!["k/", "--prefix", "--hex"]);
            flag_sets.push(vec!["--hex", "k/", "--prefix", "--order=DESCEND"]);
        }
        for flags in flag_sets {
            let theirs = etcd
                .etcdctl()
                .args(["-w", format, "get"])
                .args(&flags)
                .run();
            for page_size in ["1", "300", "0", "4194304"] {
                let ours = etcd
                    .ectl()
                    .args(["-w", format, "get"])
                    .args(&flags)
                    .arg(format!("--page-size={page_size}"))
                    .run();
                assert_eq!(
                    (ours.code, &ours.stdout),
                    (theirs.code, &theirs.stdout),
                    "-w {format} get {flags:?} --page-size {page_size}\nectl {ours:?}\netcdctl {theirs:?}"
                );
                cases += 1;
            }
        }
    }
    assert!(cases > 200, "{cases} cases");
}

#[test]
fn pages_show_one_revision_while_a_writer_changes_the_range() {
    let etcd = Etcd::single();
    fill(|| etcd.ectl(), "w/", 300);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, endpoint) = (stop.clone(), etcd.endpoint());
        thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let key = format!("w/{:04}", (i * 37) % 300);
                support::ectl()
                    .arg(format!("--endpoints={endpoint}"))
                    .args(["put", &key, &format!("writer {i}")])
                    .run();
            }
        })
    };
    thread::sleep(Duration::from_millis(300));
    let paged = etcd
        .ectl()
        .args(["get", "w/", "--prefix", "-w", "json", "--page-size=1"])
        .run();
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    paged.assert_ok();
    let paged = paged.stdout_str();
    let rev = header_revision(&paged);
    let pinned = etcd
        .etcdctl()
        .args(["get", "w/", "--prefix", "-w", "json", "--rev", &rev])
        .run();
    assert_eq!(kvs_part(&paged), kvs_part(&pinned.stdout_str()));
    let now = etcd
        .etcdctl()
        .args(["get", "w/", "--prefix", "-w", "json"])
        .run();
    assert_ne!(
        header_revision(&now.stdout_str()),
        rev,
        "the writer wrote nothing meanwhile"
    );
}

#[test]
fn a_revision_compacted_between_pages_is_a_clear_error() {
    let etcd = Etcd::single();
    fill(|| etcd.ectl(), "c/", 2000);
    etcd.ectl().args(["put", "bump", "1"]).run().assert_ok();
    let status = etcd.ectl().args(["put", "bump", "2", "-w", "json"]).run();
    let latest = header_revision(&status.stdout_str());
    let running = etcd
        .ectl()
        .args(["get", "c/", "--prefix", "--page-size=1", "--rev"])
        .arg((latest.parse::<i64>().unwrap() - 1).to_string())
        .timeout(Duration::from_secs(60))
        .spawn();
    running.wait_for_stdout("c/0000");
    etcd.ectl().args(["compaction", &latest]).run().assert_ok();
    let out = running.wait();
    assert_eq!(out.code, 1, "{out:?}");
    let stderr = out.stderr_str();
    assert!(
        stderr.contains(&format!(
            "revision {} was compacted while the range was read page by page",
            latest.parse::<i64>().unwrap() - 1
        )) && stderr.contains("--rev"),
        "{out:?}"
    );
}

#[test]
fn killing_the_serving_member_mid_range_loses_and_repeats_nothing() {
    let cluster = Cluster::new();
    fill(|| cluster.ectl(), "m/", 1500);
    let running = cluster
        .ectl()
        .args(["get", "m/", "--prefix", "-w", "json", "--page-size=1"])
        .timeout(Duration::from_secs(90))
        .spawn();
    // The first endpoint serves until it dies; the json begins once its first page is in.
    running.wait_for_stdout("\"kvs\"");
    cluster[0].kill();
    let out = running.wait();
    out.assert_ok();
    let ours = out.stdout_str();
    let rev = header_revision(&ours);
    let theirs = cluster
        .etcdctl()
        .args(["get", "m/", "--prefix", "-w", "json", "--rev", &rev])
        .run();
    theirs.assert_ok();
    assert_eq!(kvs_part(&ours), kvs_part(&theirs.stdout_str()));
}

/// Keys that make guessing where a page ends hard: random bytes, runs of decimal numbers of
/// different widths (gaps between `9` and `0`), keys that are prefixes of others, long shared
/// tails, and `0xff` runs, written through `ectl import` so any byte can be in them.
fn fill_awkward_keys(etcd: &Etcd) {
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut seed = 12345u64;
    for _ in 0..60 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let len = 1 + (seed >> 59) as usize;
        let tail: Vec<u8> = (0..len).map(|i| (seed >> (i * 3 % 56)) as u8).collect();
        keys.push([b"c/a/".as_slice(), &tail].concat());
    }
    keys.extend((0..120).map(|i| format!("c/m/x{i}").into_bytes()));
    keys.extend(
        [
            &b"c/p"[..],
            b"c/p\0",
            b"c/p\0\0",
            b"c/p\x01",
            b"c/\xff\xff",
            b"c/\xff\xff\xff\x01",
        ]
        .map(<[u8]>::to_vec),
    );
    keys.extend((0..30u8).map(|i| [b"c/t/".as_slice(), &[b'z'; 30], &[i / 7, i]].concat()));
    let mut dump =
        String::from("{\"format\":\"ectl-dump\",\"version\":1,\"cluster_id\":0,\"revision\":0}\n");
    for (i, key) in keys.iter().enumerate() {
        dump.push_str(&format!(
            "{{\"key\":\"{}\",\"value\":\"{}\",\"lease\":0,\"create_revision\":0,\"mod_revision\":0,\"version\":0}}\n",
            b64(key),
            b64(format!("v{i}").as_bytes())
        ));
    }
    etcd.ectl()
        .args(["import", "-"])
        .stdin(dump)
        .run()
        .assert_ok();
}

#[test]
fn awkward_keyspaces_page_exactly_as_one_shot_etcdctl_prints_them() {
    let etcd = Etcd::single();
    fill_awkward_keys(&etcd);
    let ranges: [&[&str]; 6] = [
        &["c/", "--prefix"],
        &["c/", "--prefix", "--order=DESCEND"],
        &["", "--from-key"],
        &["c/", "--prefix", "--limit", "33"],
        &["c/", "--prefix", "--order=DESCEND", "--limit", "40"],
        &["c/m/", "c/t/z"],
    ];
    for flags in ranges {
        for format in [&["--hex"][..], &["-w", "json"]] {
            let theirs = etcd.etcdctl().args(format).arg("get").args(flags).run();
            theirs.assert_ok();
            for page_size in ["1", "50", "700", "4194304"] {
                let ours = etcd
                    .ectl()
                    .args(format)
                    .arg("get")
                    .args(flags)
                    .arg(format!("--page-size={page_size}"))
                    .run();
                assert_eq!(
                    ours.stdout_str(),
                    theirs.stdout_str(),
                    "{format:?} get {flags:?} --page-size {page_size}: {}",
                    ours.stderr_str()
                );
            }
        }
    }
}
