//! A tiny authoritative DNS server for SRV discovery tests, and the wrapper that makes a command
//! use it without touching the host.
//!
//! The server answers UDP queries on port 53 of a private 127/8 address (one per test, so tests
//! run in parallel) from a fixed zone of SRV and A records. [`Dns::cmd`] runs a program inside
//! `unshare -m` with a private `/etc/resolv.conf` bind-mounted over the real one, naming only that
//! address: both ectl and the reference etcdctl (Go's resolver) then see this zone. Needs root
//! (port 53, mount namespaces); a missing privilege is a loud panic, not a skip.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use tempfile::TempDir;

use super::cmd::{self, Cmd};

const TYPE_A: u16 = 1;
const TYPE_SRV: u16 = 33;

/// Distinguishes servers started by one test process; the pid separates processes.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A record the server holds.
#[derive(Clone, Debug)]
pub enum Record {
    /// `name SRV priority weight port target`
    Srv {
        name: String,
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    /// `name A ip`
    A { name: String, ip: Ipv4Addr },
}

impl Record {
    /// An SRV record with priority and weight 0.
    pub fn srv(name: &str, port: u16, target: &str) -> Record {
        Record::Srv {
            name: name.into(),
            priority: 0,
            weight: 0,
            port,
            target: target.into(),
        }
    }

    pub fn a(name: &str, ip: Ipv4Addr) -> Record {
        Record::A {
            name: name.into(),
            ip,
        }
    }

    fn name(&self) -> String {
        let (Record::Srv { name, .. } | Record::A { name, .. }) = self;
        rooted(name)
    }

    fn rtype(&self) -> u16 {
        match self {
            Record::Srv { .. } => TYPE_SRV,
            Record::A { .. } => TYPE_A,
        }
    }

    fn rdata(&self) -> Vec<u8> {
        match self {
            Record::Srv {
                priority,
                weight,
                port,
                target,
                ..
            } => {
                let mut d = Vec::new();
                for n in [priority, weight, port] {
                    d.extend_from_slice(&n.to_be_bytes());
                }
                encode_name(&mut d, target);
                d
            }
            Record::A { ip, .. } => ip.octets().to_vec(),
        }
    }
}

/// A running DNS server and the resolv.conf that names it. Dropping it stops the server.
pub struct Dns {
    ip: Ipv4Addr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    dir: TempDir,
}

impl Dns {
    /// Serves `records` on port 53 of a fresh 127/8 address.
    pub fn start(records: Vec<Record>) -> Dns {
        Dns::spawn(records, true)
    }

    /// A server that reads queries and never answers (lookups time out).
    pub fn mute() -> Dns {
        Dns::spawn(Vec::new(), false)
    }

    /// Stops answering and closes the port, so queries are refused; the resolv.conf stays.
    pub fn close(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn spawn(records: Vec<Record>, answering: bool) -> Dns {
        assert_root();
        let (ip, socket) = bind_private_address();
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("read timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let zone: HashMap<String, Vec<Record>> =
            records.into_iter().fold(HashMap::new(), |mut zone, r| {
                zone.entry(r.name().to_ascii_lowercase())
                    .or_default()
                    .push(r);
                zone
            });
        let thread = {
            let stop = stop.clone();
            thread::spawn(move || serve(&socket, &zone, answering, &stop))
        };
        let dir = tempfile::Builder::new()
            .prefix("ectl-dns-")
            .tempdir()
            .expect("temp dir");
        std::fs::write(
            dir.path().join("resolv.conf"),
            format!("nameserver {ip}\noptions timeout:1 attempts:1\n"),
        )
        .expect("write resolv.conf");
        Dns {
            ip,
            stop,
            thread: Some(thread),
            dir,
        }
    }

    /// `ip:53`, as Go's errors name the server.
    pub fn server(&self) -> String {
        format!("{}:53", self.ip)
    }

    fn resolv_conf(&self) -> PathBuf {
        self.dir.path().join("resolv.conf")
    }

    /// `program args…` run in a private mount namespace where `/etc/resolv.conf` names only
    /// this server.
    pub fn cmd(&self, program: impl AsRef<std::ffi::OsStr>) -> Cmd {
        Cmd::new("unshare").args([
            "--mount".as_ref(),
            "--propagation=private".as_ref(),
            "sh".as_ref(),
            "-c".as_ref(),
            r#"mount --bind "$0" /etc/resolv.conf && exec "$@""#.as_ref(),
            self.resolv_conf().as_os_str(),
            program.as_ref(),
        ] as [&std::ffi::OsStr; 7])
    }

    /// `ectl` under this server's resolver.
    pub fn ectl(&self) -> Cmd {
        self.cmd(env!("CARGO_BIN_EXE_ectl"))
    }

    /// The reference etcdctl (v3) under this server's resolver.
    pub fn etcdctl(&self) -> Cmd {
        self.cmd(cmd::etcdctl_path()).env("ETCDCTL_API", "3")
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        self.close();
    }
}

/// Panics, saying why, unless this process runs as root (effective uid 0).
fn assert_root() {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    // `Uid:` real, effective, saved, filesystem.
    let euid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .expect("an Uid line in /proc/self/status");
    assert!(
        euid == "0",
        "the DNS discovery tests need root (effective uid here: {euid}): they serve DNS on \
         port 53 of a 127/8 address and run each tool under `unshare --mount` with a private \
         /etc/resolv.conf bind-mounted; run them as root (`sudo scripts/test`)"
    );
}

/// Port 53 on `127.77.X.Y`, X and Y from the pid and a counter, moving on when taken.
fn bind_private_address() -> (Ipv4Addr, UdpSocket) {
    let pid = std::process::id();
    for _ in 0..64 {
        let n = pid
            .wrapping_mul(64)
            .wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed));
        let ip = Ipv4Addr::new(127, 77, (n >> 8) as u8, (n as u8).max(1));
        match UdpSocket::bind(SocketAddr::from((ip, 53))) {
            Ok(socket) => return (ip, socket),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => panic!("cannot serve DNS on {ip}:53 (SRV tests need root): {e}"),
        }
    }
    panic!("no free 127.77.x.y address for a DNS server");
}

fn serve(
    socket: &UdpSocket,
    zone: &HashMap<String, Vec<Record>>,
    answering: bool,
    stop: &AtomicBool,
) {
    let mut buf = [0u8; 1500];
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, peer)) = socket.recv_from(&mut buf) else {
            continue;
        };
        if !answering {
            continue;
        }
        if let Some(reply) = answer(&buf[..n], zone) {
            let _ = socket.send_to(&reply, peer);
        }
    }
}

/// The reply to one query: its records of the asked type, NOERROR with none when the name
/// holds only other types, NXDOMAIN when the zone has no such name. Always authoritative.
fn answer(query: &[u8], zone: &HashMap<String, Vec<Record>>) -> Option<Vec<u8>> {
    if query.len() < 12 || query[4..6] != [0, 1] {
        return None;
    }
    let (name, end) = decode_name(query, 12)?;
    let qtype = u16::from_be_bytes([*query.get(end)?, *query.get(end + 1)?]);
    let question = query.get(12..end + 4)?;
    let records = zone.get(&name.to_ascii_lowercase());
    let matching: Vec<&Record> = records
        .into_iter()
        .flatten()
        .filter(|r| r.rtype() == qtype)
        .collect();
    let rcode = if records.is_none() { 3 } else { 0 };
    let mut reply = query[..2].to_vec();
    // Response, authoritative, recursion desired copied, recursion available.
    reply.extend_from_slice(&[0x84 | (query[2] & 0x01), 0x80 | rcode]);
    reply.extend_from_slice(&[0, 1]);
    reply.extend_from_slice(&(matching.len() as u16).to_be_bytes());
    reply.extend_from_slice(&[0, 0, 0, 0]);
    reply.extend_from_slice(question);
    for record in matching {
        reply.extend_from_slice(&[0xC0, 12]);
        reply.extend_from_slice(&record.rtype().to_be_bytes());
        reply.extend_from_slice(&[0, 1, 0, 0, 0, 30]);
        let data = record.rdata();
        reply.extend_from_slice(&(data.len() as u16).to_be_bytes());
        reply.extend_from_slice(&data);
    }
    Some(reply)
}

fn rooted(name: &str) -> String {
    if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    }
}

fn encode_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

/// An uncompressed name (queries carry no pointers) and the offset after it.
fn decode_name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    loop {
        let len = usize::from(*msg.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        name.push_str(std::str::from_utf8(msg.get(at..at + len)?).ok()?);
        name.push('.');
        at += len;
    }
    Some((if name.is_empty() { ".".into() } else { name }, at))
}
