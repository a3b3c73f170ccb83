//! Test support shared by every integration test (`mod support;`).
//!
//! It owns the real-etcd fixtures — a single member, a cluster, client TLS with certificates made
//! at test time, auth — each on its own free loopback ports and data directory so tests run in
//! parallel, and the runners for `ectl` and the reference `etcdctl` (clean environment, timeout).
//! A missing etcd or etcdctl is a loud panic with the install command, never a silent skip.

mod cmd;
mod dns;
mod etcd;
mod http;
pub mod pty;
mod restored;
mod tls;

pub use cmd::{
    Cmd, Out, Running, ectl, etcd_3_5_path, etcdctl, etcdctl_3_5, etcdctl_path, etcdutl,
};
pub use dns::{Dns, Record};
pub use etcd::{Cluster, Etcd, Options, etcd_bin, server_version};
pub use restored::{RESTORED_HOST, restored_port, start_restored};
pub use tls::{ServerCert, Tls};

/// Panics, showing both, unless `ours` (ectl) exited as `reference` (etcdctl) did with the same
/// stdout and stderr. etcdctl's JSON log lines (`{"level":...}`, zap's warnings and infos) are
/// not part of the comparison: ectl does not print them (docs/differences.md).
pub fn assert_same_as_etcdctl(reference: &Out, ours: &Out, what: &str) {
    let said = |out: &Out| -> String {
        out.stderr_str()
            .lines()
            .filter(|line| !line.starts_with("{\"level\":"))
            .map(|line| format!("{}\n", unstamped(line)))
            .collect()
    };
    assert_eq!(
        (reference.code, reference.stdout_str(), said(reference)),
        (ours.code, ours.stdout_str(), said(ours)),
        "{what}: etcdctl (left) vs ectl (right), exit code, stdout and stderr\n\
         --- etcdctl ---\n{reference:?}\n--- ectl ---\n{ours:?}"
    );
}

/// A stderr line without the time etcd's own logger starts it with (`2006-01-02
/// 15:04:05.000000 W | ...` becomes `W | ...`): two runs never share it.
pub fn unstamped(line: &str) -> &str {
    let stamp = b"2006-01-02 15:04:05.000000 ";
    let is_stamp = line.len() > stamp.len()
        && line.as_bytes()[..stamp.len()]
            .iter()
            .zip(stamp)
            .all(|(c, s)| {
                c.is_ascii_digit() == s.is_ascii_digit() && (s.is_ascii_digit() || c == s)
            });
    if is_stamp { &line[stamp.len()..] } else { line }
}

/// `text` with the digits after each `marker` replaced by `placeholder`: hides ids and
/// revisions that necessarily differ between two servers when comparing two tools' output.
pub fn mask_number_after(text: &str, marker: &str, placeholder: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (head, tail) = rest.split_at(at + marker.len());
        out.push_str(head);
        let digits = tail
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        out.push_str(placeholder);
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}
