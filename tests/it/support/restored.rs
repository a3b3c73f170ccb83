//! etcd started by hand on an existing data dir: a restored snapshot, or a member stopped to
//! work on its files offline.

use std::path::Path;
use std::time::{Duration, Instant};

/// The loopback address of members started by hand on a data dir. Other tests pick free ports
/// on 127.0.0.1 in parallel; a port picked here is only used seconds later (the peer URL is
/// baked into the restored data dir), so a private address keeps them from taking it.
pub const RESTORED_HOST: &str = "127.0.3.1";

/// A free port on [`RESTORED_HOST`].
pub fn restored_port() -> u16 {
    std::net::TcpListener::bind((RESTORED_HOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// etcd started on a given data dir; killed on drop.
pub struct Restored {
    child: std::process::Child,
    pub endpoint: String,
}

impl Drop for Restored {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts etcd as member `name` on the existing `data_dir` (a restored or stopped member's),
/// with `peer_url` as its peer URL and a fresh client port; returns once it is healthy.
pub fn start_restored(data_dir: &Path, name: &str, peer_url: &str) -> Restored {
    let client = format!("{RESTORED_HOST}:{}", restored_port());
    let log = std::fs::File::create(data_dir.with_extension("log")).unwrap();
    let child = std::process::Command::new(super::etcd_bin())
        .arg(format!("--name={name}"))
        .arg(format!("--data-dir={}", data_dir.display()))
        .arg(format!("--listen-client-urls=http://{client}"))
        .arg(format!("--advertise-client-urls=http://{client}"))
        .arg(format!("--listen-peer-urls={peer_url}"))
        .arg(format!("--initial-advertise-peer-urls={peer_url}"))
        .arg(format!("--initial-cluster={name}={peer_url}"))
        .arg(format!(
            "--listen-metrics-urls=http://{RESTORED_HOST}:{}",
            restored_port()
        ))
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start etcd");
    let restored = Restored {
        child,
        endpoint: client,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = super::cmd::ectl()
            .arg(format!("--endpoints={}", restored.endpoint))
            .args(["endpoint", "health"])
            .run();
        if out.code == 0 {
            return restored;
        }
        assert!(
            Instant::now() < deadline,
            "etcd on the restored dir never became healthy: {}",
            std::fs::read_to_string(data_dir.with_extension("log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
