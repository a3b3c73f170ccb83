//! `snapshot save|status|restore` against real etcd, compared with the reference etcdctl: both
//! save the same member's backend, and `snapshot status` of each file must print the same bytes
//! from both tools. A save that is interrupted or killed must leave no target file, and a
//! truncated file must fail cleanly.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use support::{Etcd, RESTORED_HOST, restored_port, start_restored};

const FORMATS: [&str; 5] = ["simple", "json", "fields", "table", "protobuf"];

/// Many keys (so the bbolt file has branch pages), overwrites and deletes (so revisions move on),
/// and values larger than a page (overflow pages).
fn fill(etcd: &Etcd) {
    for batch in 0..15 {
        let mut txn = String::from("\n");
        for i in 0..100 {
            txn.push_str(&format!(
                "put key/{batch:02}/{i:03} value-{batch}-{i}-{}\n",
                "x".repeat(i)
            ));
        }
        txn.push_str("\n\n");
        etcd.ectl().arg("txn").stdin(txn).run().assert_ok();
    }
    for i in 0..3 {
        let big = "b".repeat(20_000 + i * 7_000);
        etcd.ectl()
            .args(["put", &format!("big/{i}")])
            .stdin(big)
            .run()
            .assert_ok();
    }
    etcd.ectl()
        .args(["del", "--prefix", "key/03/"])
        .run()
        .assert_ok();
    etcd.ectl()
        .args(["put", "key/00/000", "again"])
        .run()
        .assert_ok();
}

#[test]
fn save_then_status_matches_etcdctl() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ectl.db");
    let theirs = dir.path().join("etcdctl.db");

    let out = etcd.ectl().args(["snapshot", "save"]).arg(&ours).run();
    out.assert_ok();
    assert_eq!(
        out.stdout_str(),
        format!("Snapshot saved at {}\n", ours.display())
    );
    let out = etcd.etcdctl().args(["snapshot", "save"]).arg(&theirs).run();
    out.assert_ok();
    assert!(!dir.path().join("ectl.db.part").exists());

    // Same member, same state: the two files describe the same database.
    let size = std::fs::metadata(&ours).unwrap().len();
    assert_eq!(size % 512, 32, "backend pages plus the SHA-256 trailer");
    for file in [&ours, &theirs] {
        for format in FORMATS {
            let out = support::ectl()
                .args(["snapshot", "status", "-w", format])
                .arg(file)
                .run();
            // etcd 3.5's offline etcdutl reads the file on its own: a second, independent oracle.
            for (oracle, reference) in [
                ("etcdctl", support::etcdctl()),
                ("etcdutl", support::etcdutl()),
            ] {
                let reference = reference
                    .args(["snapshot", "status", "-w", format])
                    .arg(file)
                    .run();
                support::assert_same_as_etcdctl(
                    &reference,
                    &out,
                    &format!("{oracle}: status -w {format} {}", file.display()),
                );
            }
        }
    }
    // The numbers themselves: this many keys in the "key" bucket at least, and the revision of
    // the last write.
    let json = support::ectl()
        .args(["snapshot", "status", "-w", "json"])
        .arg(&ours)
        .run();
    json.assert_ok();
    let status: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(status["totalKey"].as_u64().unwrap() > 1500, "{status}");
    assert!(status["totalSize"].as_u64().unwrap() > 100_000, "{status}");
    assert_eq!(status["revision"].as_u64().unwrap(), 15 + 3 + 1 + 1 + 1);
}

#[test]
fn save_refuses_what_etcdctl_refuses() {
    let etcd = Etcd::single();
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec![],
        vec!["a".into(), "b".into()],
        vec![dir.path().join("missing/dir/x.db").display().to_string()],
    ];
    for args in cases {
        let reference = etcd.etcdctl().args(["snapshot", "save"]).args(&args).run();
        let out = etcd.ectl().args(["snapshot", "save"]).args(&args).run();
        support::assert_same_as_etcdctl(&reference, &out, &format!("save {args:?}"));
    }
    // A dead single endpoint fails (etcdctl's exit code 5) with no search for another: that
    // is only for several endpoints. (etcdctl 3.4 itself never gives up on one: its snapshot
    // dial ignores --dial-timeout.)
    let dead = dead_endpoint();
    let target = dir.path().join("dead.db");
    let out = support::ectl()
        .args([&format!("--endpoints={dead}"), "--dial-timeout=1s"])
        .args(["snapshot", "save"])
        .arg(&target)
        .run();
    assert_eq!((out.code, out.stdout_str()), (5, String::new()));
    let err = out.stderr_str();
    assert!(
        err.starts_with("Error: ") && !err.contains("skipping"),
        "{err}"
    );
    assert!(!target.exists());
}

/// An endpoint nothing listens on: a port the kernel handed out and took back.
fn dead_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("127.0.0.1:{port}")
}

/// `save -` streams the same bytes `save FILE` writes: the member is not written to between
/// the two, so its backend (and so the snapshot) is byte for byte the same. Piped, stderr
/// stays empty (no progress bar, no summary), and a shell pipe into gzip round-trips.
#[test]
fn save_to_stdout_is_the_same_file() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file.db");
    etcd.save_snapshot(&file);
    let piped = etcd.ectl().args(["snapshot", "save", "-"]).run();
    piped.assert_ok();
    assert_eq!(piped.stderr_str(), "");
    let saved = std::fs::read(&file).unwrap();
    assert_eq!(piped.stdout.len(), saved.len());
    assert!(piped.stdout == saved, "stdout differs from the saved file");
    assert!(!dir.path().join("-").exists() && !Path::new("-").exists());

    let gz = dir.path().join("backup.db.gz");
    let shell = support::Cmd::new("sh")
        .args([
            "-c",
            "\"$ECTL\" --endpoints=\"$EP\" snapshot save - | gzip > \"$GZ\" && gzip -dc \"$GZ\"",
        ])
        .env("ECTL", env!("CARGO_BIN_EXE_ectl"))
        .env("EP", etcd.endpoint())
        .env("GZ", &gz)
        .run();
    shell.assert_ok();
    assert!(shell.stdout == saved, "the gzip round trip differs");

    // The bytes from stdout are a snapshot etcdutl (3.5.1) reads as ectl does.
    let from_stdout = dir.path().join("stdout.db");
    std::fs::write(&from_stdout, &piped.stdout).unwrap();
    for format in FORMATS {
        let ours = support::ectl()
            .args(["snapshot", "status", "--verify", "-w", format])
            .arg(&from_stdout)
            .run();
        let reference = support::etcdutl()
            .args(["snapshot", "status", "-w", format])
            .arg(&from_stdout)
            .run();
        support::assert_same_as_etcdctl(&reference, &ours, &format!("status -w {format}"));
    }
    // --verify needs a file to read back.
    let out = etcd
        .ectl()
        .args(["snapshot", "save", "--verify", "-"])
        .run();
    assert_eq!(out.code, 128, "{}", out.stderr_str());
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr_str().starts_with("Error: --verify"),
        "{}",
        out.stderr_str()
    );
}

/// With several endpoints the first that answers is used, and stderr says which; a dead
/// first endpoint costs nothing but a line. When none answers, the save fails as etcdctl's
/// does (exit 5) and names them all.
#[test]
fn several_endpoints_use_the_first_healthy_one() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let dead = dead_endpoint();
    let target = dir.path().join("multi.db");
    let out = support::ectl()
        .arg(format!("--endpoints={dead},{}", etcd.endpoint()))
        .args(["snapshot", "save"])
        .arg(&target)
        .run();
    out.assert_ok();
    assert_eq!(
        out.stdout_str(),
        format!("Snapshot saved at {}\n", target.display())
    );
    let err = out.stderr_str();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with(&format!("skipping {dead}: ")), "{err}");
    assert!(
        lines[1].starts_with(&format!(
            "taking the snapshot from {} (member ",
            etcd.endpoint()
        )),
        "{err}"
    );
    // The same database as a save from that member alone.
    let single = dir.path().join("single.db");
    etcd.save_snapshot(&single);
    assert!(std::fs::read(&single).unwrap() == std::fs::read(&target).unwrap());

    // Streamed to stdout, the choice is still on stderr only.
    let piped = support::ectl()
        .arg(format!("--endpoints={dead},{}", etcd.endpoint()))
        .args(["snapshot", "save", "-"])
        .run();
    piped.assert_ok();
    assert!(piped.stdout == std::fs::read(&single).unwrap());

    let dead2 = dead_endpoint();
    let none = dir.path().join("none.db");
    let out = support::ectl()
        .arg(format!("--endpoints={dead},{dead2}"))
        .args(["snapshot", "save"])
        .arg(&none)
        .run();
    assert_eq!(out.code, 5, "{}", out.stderr_str());
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr_str().ends_with(&format!(
            "Error: no healthy endpoint among [{dead} {dead2}]\n"
        )),
        "{}",
        out.stderr_str()
    );
    assert!(!none.exists() && !dir.path().join("none.db.part").exists());
}

/// `save --verify` prints the file's status after etcdctl's line, in every format that prints
/// a status; `status --verify` refuses a file cut short (anywhere, even only its trailer) and a
/// file whose trailer matches but whose bbolt pages are damaged.
#[test]
fn verify_checks_trailer_and_structure() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    for format in ["simple", "json", "table", "fields"] {
        let target = dir.path().join(format!("{format}.db"));
        let out = etcd
            .ectl()
            .args(["snapshot", "save", "--verify", "-w", format])
            .arg(&target)
            .run();
        out.assert_ok();
        let status = support::ectl()
            .args(["snapshot", "status", "-w", format])
            .arg(&target)
            .run();
        status.assert_ok();
        assert_eq!(
            out.stdout_str(),
            format!(
                "Snapshot saved at {}\n{}",
                target.display(),
                status.stdout_str()
            ),
            "-w {format}"
        );
    }
    // A format that cannot print a status is refused before anything is saved.
    let refused = dir.path().join("protobuf.db");
    let out = etcd
        .ectl()
        .args(["snapshot", "save", "--verify", "-w", "protobuf"])
        .arg(&refused)
        .run();
    assert_ne!(out.code, 0);
    assert!(!refused.exists());

    let good = dir.path().join("simple.db");
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("bad.db");
    let verify = |what: &str| {
        let out = support::ectl()
            .args(["snapshot", "status", "--verify"])
            .arg(&bad)
            .run();
        assert_eq!(out.code, 1, "{what}: {}", out.stderr_str());
        assert!(out.stdout.is_empty(), "{what}");
        out.stderr_str()
    };
    for len in [0, 4096, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&bad, &bytes[..len]).unwrap();
        let err = verify(&format!("cut to {len}"));
        assert!(err.starts_with("Error: sha256 checksum not found"), "{err}");
    }
    // Only the trailer gone: plain status still reads the database, --verify refuses it.
    std::fs::write(&bad, &bytes[..bytes.len() - 32]).unwrap();
    support::ectl()
        .args(["snapshot", "status"])
        .arg(&bad)
        .run()
        .assert_ok();
    assert!(verify("no trailer").starts_with("Error: sha256 checksum not found"));
    // One flipped byte: the trailer no longer matches.
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 1;
    std::fs::write(&bad, &flipped).unwrap();
    assert!(verify("flipped").starts_with("Error: expected sha256 "));
    // Damaged meta pages under a recomputed trailer: the bbolt check catches what the hash
    // cannot.
    let mut body = bytes[..bytes.len() - 32].to_vec();
    body[16 + 20] ^= 0xff;
    body[4096 + 16 + 20] ^= 0xff;
    let trailer = <sha2::Sha256 as sha2::Digest>::digest(&body);
    body.extend_from_slice(&trailer);
    std::fs::write(&bad, &body).unwrap();
    assert_eq!(verify("meta pages"), "Error: checksum error\n");
}

fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The member is frozen before the save starts, so the save is caught midway (its `.part` file
/// open, the member not answering) whatever the machine's speed.
#[test]
fn interrupted_or_killed_save_leaves_no_target() {
    let etcd = Etcd::single();
    let dir = tempfile::tempdir().unwrap();
    for (signal, expected_code) in [(Signal::SIGINT, Some(5)), (Signal::SIGKILL, None)] {
        let target = dir.path().join(format!("{signal}.db"));
        let part = dir.path().join(format!("{signal}.db.part"));
        etcd.freeze();
        let running = etcd
            .ectl()
            .args(["--dial-timeout=20s", "snapshot", "save"])
            .arg(&target)
            .spawn();
        wait_for(&part);
        std::thread::sleep(Duration::from_millis(200));
        running.signal(signal);
        let out = running.wait();
        etcd.thaw();
        assert!(!target.exists(), "{signal}: the target exists");
        match expected_code {
            Some(code) => {
                assert_eq!(out.code, code, "{signal}: {}", out.stderr_str());
                assert!(!part.exists(), "{signal}: the .part file was left behind");
                assert_eq!(out.stdout_str(), "");
            }
            None => assert_ne!(out.code, 0),
        }
    }
    // And the member still serves a complete save afterwards.
    let target = dir.path().join("ok.db");
    etcd.save_snapshot(&target);
    assert!(target.exists());
}

#[test]
fn status_of_bad_files_fails_cleanly() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.db");
    etcd.save_snapshot(&good);
    let bytes = std::fs::read(&good).unwrap();

    // A missing file: etcdctl's exact message.
    let missing = dir.path().join("missing.db");
    let reference = support::etcdctl()
        .args(["snapshot", "status"])
        .arg(&missing)
        .run();
    let out = support::ectl()
        .args(["snapshot", "status"])
        .arg(&missing)
        .run();
    support::assert_same_as_etcdctl(&reference, &out, "missing file");
    assert_eq!(out.stderr_str(), reference.stderr_str());

    let bad = dir.path().join("bad.db");
    for len in [
        0,
        10,
        4096,
        8192,
        12288,
        bytes.len() / 2,
        bytes.len() - 5000,
    ] {
        std::fs::write(&bad, &bytes[..len]).unwrap();
        let out = support::ectl().args(["snapshot", "status"]).arg(&bad).run();
        assert_eq!(out.code, 1, "truncated to {len}: {}", out.stderr_str());
        assert!(out.stdout.is_empty());
        let err = out.stderr_str();
        assert!(
            err.starts_with("Error: ") && !err.contains("panicked"),
            "truncated to {len}: {err}"
        );
    }
    // Flipped bytes in the meta pages: refused.
    let mut flipped = bytes.clone();
    flipped[16 + 20] ^= 0xff;
    flipped[4096 + 16 + 20] ^= 0xff;
    std::fs::write(&bad, &flipped).unwrap();
    let out = support::ectl().args(["snapshot", "status"]).arg(&bad).run();
    assert_eq!(
        (out.code, out.stderr_str().as_str()),
        (1, "Error: checksum error\n")
    );
}

/// A restored data dir serves the snapshot's keys, under the member id etcdctl's restore gives,
/// and takes new writes that survive a restart.
#[test]
fn restore_makes_a_data_dir_etcd_starts_from() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.db");
    etcd.save_snapshot(&snap);
    let keys = etcd.ectl().args(["get", "--prefix", ""]).run();
    keys.assert_ok();

    let peer_url = format!("http://{RESTORED_HOST}:{}", restored_port());
    let restore = |tool: support::Cmd, data_dir: &Path| {
        tool.args(["snapshot", "restore"])
            .arg(&snap)
            .args(["--name", "r1", "--initial-cluster"])
            .arg(format!("r1={peer_url}"))
            .args(["--initial-advertise-peer-urls", &peer_url, "--data-dir"])
            .arg(data_dir)
            .run()
    };
    let ours_dir = dir.path().join("ours.etcd");
    let out = restore(support::ectl(), &ours_dir);
    out.assert_ok();
    assert_eq!(out.stdout_str(), "");
    let theirs_dir = dir.path().join("theirs.etcd");
    restore(support::etcdctl(), &theirs_dir).assert_ok();
    // Restoring again onto an existing dir is refused by both.
    support::assert_same_as_etcdctl(
        &restore(support::etcdctl(), &ours_dir),
        &restore(support::ectl(), &ours_dir),
        "restore onto an existing data dir",
    );

    let member_list = |endpoint: &str| {
        let out = support::ectl()
            .arg(format!("--endpoints={endpoint}"))
            .args(["member", "list", "-w", "json"])
            .run();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (
            v["header"]["cluster_id"].as_u64().unwrap(),
            v["members"][0]["ID"].as_u64().unwrap(),
            v["members"].as_array().unwrap().len(),
        )
    };
    let theirs_ids = {
        let theirs = start_restored(&theirs_dir, "r1", &peer_url);
        member_list(&theirs.endpoint)
    };
    let ours = start_restored(&ours_dir, "r1", &peer_url);
    let get = support::ectl()
        .arg(format!("--endpoints={}", ours.endpoint))
        .args(["get", "--prefix", ""])
        .run();
    assert_eq!(get.stdout_str(), keys.stdout_str());
    assert_eq!(member_list(&ours.endpoint), theirs_ids);

    support::ectl()
        .arg(format!("--endpoints={}", ours.endpoint))
        .args(["put", "after", "restore"])
        .run()
        .assert_ok();
    drop(ours);
    let again = start_restored(&ours_dir, "r1", &peer_url);
    let out = support::ectl()
        .arg(format!("--endpoints={}", again.endpoint))
        .args(["get", "after", "--print-value-only"])
        .run();
    assert_eq!(out.stdout_str(), "restore\n");
}

#[test]
fn restore_checks_its_input_as_etcdctl() {
    let etcd = Etcd::single();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.db");
    etcd.save_snapshot(&snap);
    let mut bytes = std::fs::read(&snap).unwrap();
    let corrupt = dir.path().join("corrupt.db");
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    std::fs::write(&corrupt, &bytes).unwrap();
    let unhashed = dir.path().join("unhashed.db");
    std::fs::write(&unhashed, &bytes[..n - 32]).unwrap();
    let target = dir.path().join("out.etcd");
    let target = target.to_str().unwrap();
    let snap = snap.to_str().unwrap();
    let corrupt = corrupt.to_str().unwrap();
    let unhashed = unhashed.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec![],
        vec![snap, corrupt],
        vec![corrupt, "--data-dir", target],
        vec![unhashed, "--data-dir", target],
        vec![snap, "--data-dir", target, "--name", "nobody"],
        vec![
            snap,
            "--data-dir",
            target,
            "--initial-advertise-peer-urls",
            "http://127.0.0.1:1",
        ],
        vec!["/nonexistent.db", "--data-dir", target],
    ];
    for args in cases {
        let reference = support::etcdctl()
            .args(["snapshot", "restore"])
            .args(&args)
            .run();
        let _ = std::fs::remove_dir_all(target);
        let ours = support::ectl()
            .args(["snapshot", "restore"])
            .args(&args)
            .run();
        support::assert_same_as_etcdctl(&reference, &ours, &format!("restore {args:?}"));
        let _ = std::fs::remove_dir_all(target);
    }
    // Without its hash, a file restores only with --skip-hash-check; this member never
    // applied anything, so its backend has no consistent index to raise, and etcd starts anyway.
    let peer_url = format!("http://{RESTORED_HOST}:{}", restored_port());
    support::ectl()
        .args([
            "snapshot",
            "restore",
            unhashed,
            "--skip-hash-check",
            "--data-dir",
            target,
        ])
        .args(["--name", "r2", "--initial-advertise-peer-urls", &peer_url])
        .arg(format!("--initial-cluster=r2={peer_url}"))
        .run()
        .assert_ok();
    let restored = start_restored(Path::new(target), "r2", &peer_url);
    support::ectl()
        .arg(format!("--endpoints={}", restored.endpoint))
        .args(["put", "k", "v"])
        .run()
        .assert_ok();
}

/// Long work as a person at a terminal sees it (a pseudo-terminal made by `script`): progress
/// bars while saving, restoring and defragmenting, then a summary line after etcdctl's
/// `Snapshot saved at` line; none of it when the output is piped.
#[test]
fn progress_and_summary_on_a_terminal_none_when_piped() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let ectl = format!(
        "{} --endpoints={}",
        env!("CARGO_BIN_EXE_ectl"),
        etcd.endpoint()
    );
    let bar = '█';

    let on_tty = dir.path().join("tty.db");
    let (shown, code) =
        support::pty::transcript(&format!("{ectl} snapshot save {}", on_tty.display()));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains(bar), "no progress bar: {shown:?}");
    let saved = format!("Snapshot saved at {}\n", on_tty.display());
    let after = shown
        .split(&saved)
        .nth(1)
        .unwrap_or_else(|| panic!("{shown:?}"));
    let size = std::fs::metadata(&on_tty).unwrap().len();
    let summary = after.trim();
    let (amount, rest) = summary
        .split_once(" in ")
        .unwrap_or_else(|| panic!("{summary:?}"));
    assert!(
        amount.ends_with("KiB") || amount.ends_with("MiB"),
        "{summary:?}"
    );
    assert!(rest.ends_with("/s)") && rest.contains("s ("), "{summary:?}");
    let kib: f64 = amount.trim_end_matches(" KiB").parse().unwrap_or(0.0);
    assert!(
        amount.ends_with("MiB") || (kib * 1024.0 - size as f64).abs() < 10.0,
        "{summary:?} vs {size}"
    );

    let piped = dir.path().join("piped.db");
    let out = etcd
        .ectl()
        .args(["snapshot", "save", &piped.display().to_string()])
        .run();
    out.assert_ok();
    assert_eq!(
        out.stdout_str(),
        format!("Snapshot saved at {}\n", piped.display())
    );
    assert!(out.stderr.is_empty(), "{out:?}");

    let restored = dir.path().join("restored");
    let (shown, code) = support::pty::transcript(&format!(
        "{ectl} snapshot restore {} --data-dir {}",
        on_tty.display(),
        restored.display()
    ));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains(bar), "no progress bar: {shown:?}");
    let out = etcd
        .ectl()
        .args(["snapshot", "restore", &piped.display().to_string()])
        .args([
            "--data-dir",
            &dir.path().join("quiet").display().to_string(),
        ])
        .run();
    out.assert_ok();
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");

    let (shown, code) = support::pty::transcript(&format!("{ectl} defrag --cluster"));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains(bar), "no progress bar: {shown:?}");
    // The bar names the member at work (cut to the terminal's width).
    assert!(
        shown.contains(" 0/1 defragmenting http://127.0.0.1:"),
        "{shown:?}"
    );
    let out = etcd.ectl().args(["defrag", "--cluster"]).run();
    out.assert_ok();
    assert!(out.stderr.is_empty(), "{out:?}");
    let finished = out.stdout_str();
    assert!(
        finished.starts_with("Finished defragmenting etcd member[http://"),
        "{out:?}"
    );
    assert!(shown.contains(finished.as_str()), "{shown:?}");
}

/// `save -` with stdout in a file and stderr on a terminal: the bar and the summary go to the
/// terminal, the snapshot (whole, trailer checked) to the file, and no "Snapshot saved" line
/// anywhere.
#[test]
fn save_to_stdout_shows_progress_on_a_terminal_stderr() {
    let etcd = Etcd::single();
    fill(&etcd);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("from-stdout.db");
    let (shown, code) = support::pty::transcript(&format!(
        "{} --endpoints={} snapshot save - > {}",
        env!("CARGO_BIN_EXE_ectl"),
        etcd.endpoint(),
        file.display()
    ));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains('█'), "no progress bar: {shown:?}");
    assert!(shown.contains(" in ") && shown.contains("/s)"), "{shown:?}");
    assert!(!shown.contains("Snapshot saved"), "{shown:?}");
    support::ectl()
        .args(["snapshot", "status", "--verify"])
        .arg(&file)
        .run()
        .assert_ok();
    // Binary on the terminal itself is refused before anything is asked.
    let (shown, code) = support::pty::transcript(&format!(
        "{} --endpoints={} snapshot save -",
        env!("CARGO_BIN_EXE_ectl"),
        etcd.endpoint()
    ));
    assert_eq!(code, 128, "{shown}");
    assert_eq!(
        shown,
        "Error: snapshot save - writes the snapshot to stdout, which is a terminal: redirect it or give a file name\n"
    );
}
