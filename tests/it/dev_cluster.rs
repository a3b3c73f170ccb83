//! `scripts/dev-cluster`, run as a newcomer runs it: it must never report success for an etcd
//! that died or is not the one answering, and on a port clash it names the port and its holder.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::support::{self, Cmd, Out};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/dev-cluster")
}

/// A loopback port nothing listens on (as far as the kernel knows right now).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// `scripts/dev-cluster <action>` on a private directory and ports.
fn dev_cluster(dir: &Path, ports: (u16, u16), action: &str, etcd_bin: Option<&Path>) -> Out {
    let mut cmd = Cmd::new(script())
        .arg(action)
        .env("ECTL_DEV_DIR", dir)
        .env("ECTL_DEV_CLIENT_PORT", ports.0.to_string())
        .env("ECTL_DEV_PEER_PORT", ports.1.to_string());
    if let Some(bin) = etcd_bin {
        cmd = cmd.env("ETCD_BIN", bin);
    }
    cmd.run()
}

#[test]
fn a_port_in_use_is_named_with_what_holds_it_and_nothing_starts() {
    for (which, clash_on_client) in [("client", true), ("peer", false)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let holder = TcpListener::bind("127.0.0.1:0").expect("bind");
        let taken = holder.local_addr().expect("addr").port();
        let ports = if clash_on_client {
            (taken, free_port())
        } else {
            (free_port(), taken)
        };
        let out = dev_cluster(dir.path(), ports, "start", None);
        out.assert_code(1);
        let expected = format!(
            "cannot start etcd: the {which} port {taken} is in use by pid {} (",
            std::process::id()
        );
        assert!(out.stderr_str().starts_with(&expected), "{which}: {out:?}");
        assert!(out.stderr_str().contains("ECTL_DEV_CLIENT_PORT"), "{out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        assert!(
            !dir.path().join("etcd.pid").exists(),
            "{which}: a pid file was left"
        );
        dev_cluster(dir.path(), ports, "status", None).assert_code(1);
    }
}

#[test]
fn an_etcd_that_dies_during_start_up_is_a_failure_with_its_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = dir.path().join("etcd");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'listen tcp 127.0.0.1:2379: bind: address already in use' >&2\nexit 1\n",
    )
    .expect("write fake etcd");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let data = dir.path().join("data");
    let out = dev_cluster(&data, (free_port(), free_port()), "start", Some(&fake));
    out.assert_code(1);
    assert!(
        out.stderr_str().contains("exited during start-up"),
        "{out:?}"
    );
    assert!(
        out.stderr_str().contains("bind: address already in use"),
        "the log is shown: {out:?}"
    );
    assert!(!data.join("etcd.pid").exists());
}

#[test]
fn start_status_and_stop_on_free_ports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ports = (free_port(), free_port());
    let out = dev_cluster(dir.path(), ports, "start", None);
    out.assert_ok();
    let endpoint = format!("127.0.0.1:{}", ports.0);
    assert!(
        out.stdout_str().contains(&format!("on {endpoint}")),
        "{out:?}"
    );
    let status = dev_cluster(dir.path(), ports, "status", None);
    status.assert_ok();
    assert!(status.stdout_str().contains("healthy"), "{status:?}");
    support::ectl()
        .args([&format!("--endpoints={endpoint}"), "put", "k", "v"])
        .run()
        .assert_ok();
    dev_cluster(dir.path(), ports, "stop", None).assert_ok();
    dev_cluster(dir.path(), ports, "status", None).assert_code(1);
}
