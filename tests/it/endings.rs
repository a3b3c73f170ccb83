//! How long work shows itself and ends, against a real etcd: progress and one summary line on
//! stderr when it is a terminal (a pty made by `script`), nothing extra in a pipe, and no
//! resume line when the reader of a pipe simply stopped reading.

use crate::support::{self, Etcd, ectl};

fn ectl_bin() -> &'static str {
    env!("CARGO_BIN_EXE_ectl")
}

/// `n` keys under `/x/` with values of `size` bytes, written with ectl's own import.
fn filled(n: usize, size: usize) -> Etcd {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let etcd = Etcd::single();
    let mut dump =
        String::from("{\"format\":\"ectl-dump\",\"version\":1,\"cluster_id\":0,\"revision\":1}\n");
    let value = "v".repeat(size);
    for i in 0..n {
        dump.push_str(&format!(
            "{{\"key\":\"{}\",\"value\":\"{}\",\"lease\":0,\"create_revision\":1,\"mod_revision\":1,\"version\":1}}\n",
            b64(format!("/x/{i:05}").as_bytes()),
            b64(value.as_bytes())
        ));
    }
    let out = etcd.ectl().args(["import", "-"]).stdin(dump).run();
    out.assert_ok();
    etcd
}

#[test]
fn export_counts_keys_on_a_terminal_and_is_silent_in_a_pipe() {
    let etcd = filled(300, 10);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dump.ndjson");
    // stdout to a file, stderr on the terminal: the summary is what the terminal shows.
    let (shown, code) = support::pty::transcript(&format!(
        "{} --endpoints={} export --prefix /x/ > {}",
        ectl_bin(),
        etcd.endpoint(),
        file.display()
    ));
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("exported 300 keys at revision "), "{shown}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written.lines().count(), 301);
    let piped = etcd.ectl().args(["export", "--prefix", "/x/"]).run();
    piped.assert_ok();
    assert_eq!(piped.stderr_str(), "");
    assert_eq!(piped.stdout_str(), written);
}

#[test]
fn a_closed_pipe_ends_an_export_quietly() {
    // Far more than a pipe holds, in chunks smaller than it: the first chunks are written
    // whole (so a resume point exists) while `head` waits, and a later one meets the closed
    // pipe. Before the fix this printed `export: cut short; continue with ...`.
    let etcd = filled(3000, 10);
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            &format!(
                "set -o pipefail; {} --endpoints={} export | (sleep 0.5; head -1)",
                ectl_bin(),
                etcd.endpoint()
            ),
        ])
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr, "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("{\"format\":\"ectl-dump\""), "{stdout}");
    assert_eq!(stdout.lines().count(), 1);
}

#[test]
fn snapshot_restore_ends_with_where_and_who_on_a_terminal() {
    let etcd = filled(10, 10);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.db");
    etcd.ectl()
        .arg("snapshot")
        .arg("save")
        .arg(&snap)
        .run()
        .assert_ok();
    let data = dir.path().join("m1.etcd");
    let (shown, code) = support::pty::transcript(&format!(
        "{} snapshot restore {} --name m1 --data-dir {} \
         --initial-cluster m1=http://127.0.0.1:2380 \
         --initial-advertise-peer-urls http://127.0.0.1:2380",
        ectl_bin(),
        snap.display(),
        data.display()
    ));
    assert_eq!(code, 0, "{shown}");
    let line = shown
        .lines()
        .find(|l| l.contains("restored "))
        .unwrap_or_else(|| panic!("no summary: {shown}"));
    assert!(
        line.contains(&format!("to {} as member ", data.display())),
        "{line}"
    );
    assert!(line.contains(" of cluster "), "{line}");
    // In a pipe, nothing but what etcdctl prints.
    let again = dir.path().join("m2.etcd");
    let out = ectl()
        .arg("snapshot")
        .arg("restore")
        .arg(&snap)
        .arg(format!("--data-dir={}", again.display()))
        .run();
    out.assert_ok();
    assert!(!out.stderr_str().contains("restored"), "{out:?}");
}
