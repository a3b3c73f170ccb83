//! Real etcd members for integration tests: a single member or an N-member cluster, each member
//! a child process on free loopback ports with its own temp data dir and log file.
//!
//! Readiness is etcd's own `/health` (it needs a leader and a committed quorum read), polled over
//! plain HTTP on a separate `--listen-metrics-urls` port so plain and TLS members are probed the
//! same way. Leaders are found from `/metrics` (`etcd_server_is_leader 1`), not via etcdctl.

use std::fs::{self, OpenOptions};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::ops::Index;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::sleep;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;
use tempfile::TempDir;

use super::cmd::{self, Cmd};
use super::http;
use super::tls::Tls;

/// How long a fresh member or cluster may take to become healthy, and a leader to be elected.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// Start attempts when a port picked as free was taken before etcd could bind it.
const START_ATTEMPTS: usize = 3;
/// Bound on one `/health` or `/metrics` probe; a frozen member fails it instead of hanging.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// Log lines printed when a test panics with a member alive.
const LOG_TAIL_LINES: usize = 100;

/// Distinguishes clusters started by one test process (part of `--initial-cluster-token`).
static NEXT_CLUSTER: AtomicUsize = AtomicUsize::new(0);

/// How to start a member (or every member of a [`Cluster`]). `Options::default()` is plain HTTP,
/// default token TTL, no extra flags.
#[derive(Clone, Default)]
pub struct Options {
    /// Serve clients over HTTPS and require client certificates signed by `tls.ca()`
    /// (peers stay plaintext).
    pub tls: Option<Tls>,
    /// `--auth-token-ttl` in seconds for the default `simple` tokens (etcd's default is 300).
    pub auth_token_ttl: Option<u32>,
    /// Passed to etcd after every other flag.
    pub extra_args: Vec<String>,
    /// The etcd binary, when a test needs one server line whatever `ETCD_BIN` says (the
    /// downgrade RPC exists from 3.5 on); default [`etcd_bin`].
    pub bin: Option<PathBuf>,
}

#[derive(Clone, Copy)]
struct Ports {
    client: u16,
    peer: u16,
    metrics: u16,
}

/// One running etcd member process. Dropping it kills the process (SIGKILL) and removes its data
/// dir; when the test is panicking, the tail of its log goes to stderr first.
///
/// The process gets SIGKILL when the thread that started it exits (`PR_SET_PDEATHSIG`), so
/// nothing outlives a killed test: start members on the test's own thread.
pub struct Etcd {
    name: String,
    pid: u32,
    child: Mutex<Child>,
    ports: Ports,
    tls: Option<Tls>,
    dir: TempDir,
}

impl Etcd {
    /// A plain single member (no TLS, no auth).
    pub fn single() -> Etcd {
        Etcd::start(Options::default())
    }

    /// A single member started with `opts`; returns once `/health` says it is healthy.
    pub fn start(opts: Options) -> Etcd {
        let mut cluster = Cluster::start(1, opts);
        cluster.members.pop().expect("one member")
    }

    /// The member's name (`m0`, `m1`, …), as `member list` shows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Client URL with scheme: `http://127.0.0.1:PORT`, or `https://…` for a TLS member.
    pub fn client_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.endpoint())
    }

    /// Client endpoint as `127.0.0.1:PORT`, the form `--endpoints` takes.
    pub fn endpoint(&self) -> String {
        self.client_addr().to_string()
    }

    /// Peer URL (`http://127.0.0.1:PORT`), as `member list` shows it.
    pub fn peer_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports.peer)
    }

    /// The certificates this member was started with, if it serves TLS.
    pub fn tls(&self) -> Option<&Tls> {
        self.tls.as_ref()
    }

    /// etcd's `--data-dir`.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The member's log file (etcd's zap log plus anything it wrote to stdout or stderr).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("etcd.log")
    }

    /// `ectl --endpoints=<this member>`, plus the client certificate flags for a TLS member.
    pub fn ectl(&self) -> Cmd {
        connect(cmd::ectl(), &self.endpoint(), self.tls())
    }

    /// The reference `etcdctl`, connected like [`Etcd::ectl`].
    pub fn etcdctl(&self) -> Cmd {
        connect(cmd::etcdctl(), &self.endpoint(), self.tls())
    }

    /// Saves a snapshot of the member to `path` with `ectl snapshot save`, which must succeed.
    pub fn save_snapshot(&self, path: &Path) {
        self.ectl()
            .args(["snapshot", "save"])
            .arg(path)
            .run()
            .assert_ok();
    }

    /// Kills the member now (SIGKILL) and reaps it. Killing twice is harmless.
    pub fn kill(&self) {
        let mut child = self.child();
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Stops the member (SIGSTOP): its sockets stay open but nothing answers until [`Etcd::thaw`].
    pub fn freeze(&self) {
        self.signal(Signal::SIGSTOP);
        // The signal is delivered asynchronously: on a loaded machine etcd may answer one more
        // request after kill(2) returns. Frozen means every thread is stopped.
        self.wait_until_stopped(true);
    }

    /// Resumes a frozen member (SIGCONT).
    pub fn thaw(&self) {
        self.signal(Signal::SIGCONT);
        self.wait_until_stopped(false);
    }

    /// Waits (up to 10 s) until every thread of the process is stopped, or none is.
    fn wait_until_stopped(&self, stopped: bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.all_threads_stopped() != stopped {
            assert!(
                Instant::now() < deadline,
                "etcd {} did not {} within 10 s",
                self.name,
                if stopped { "stop" } else { "resume" }
            );
            sleep(Duration::from_millis(5));
        }
    }

    /// Whether every thread's state in `/proc` is "stopped" (`T`); false once the process is gone.
    fn all_threads_stopped(&self) -> bool {
        let Ok(tasks) = fs::read_dir(format!("/proc/{}/task", self.pid)) else {
            return false;
        };
        let mut any = false;
        for task in tasks.flatten() {
            let Ok(stat) = fs::read_to_string(task.path().join("stat")) else {
                continue;
            };
            // `pid (comm) S ...`: the state follows the last `)`, as comm may hold one.
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next());
            if state != Some('T') {
                return false;
            }
            any = true;
        }
        any
    }

    /// Whether the process is still alive (killed or crashed members are not).
    pub fn is_running(&self) -> bool {
        matches!(self.child().try_wait(), Ok(None))
    }

    /// Whether `/health` answers `{"health":"true"}` within `timeout`.
    pub fn is_healthy(&self, timeout: Duration) -> bool {
        match http::request(self.metrics_addr(), "GET", "/health", None, timeout) {
            Ok(resp) => resp.status == 200 && resp.body.contains(r#""health":"true""#),
            Err(_) => false,
        }
    }

    /// Whether this member says it is the raft leader; `None` when it does not answer in time.
    pub fn is_leader(&self) -> Option<bool> {
        let resp =
            http::request(self.metrics_addr(), "GET", "/metrics", None, PROBE_TIMEOUT).ok()?;
        resp.body
            .lines()
            .find_map(|line| line.strip_prefix("etcd_server_is_leader "))
            .map(|value| value.trim() == "1")
    }

    /// Creates user `root` with `root_password`, grants it the `root` role and enables auth,
    /// through etcd's JSON gateway (so setup depends on neither ectl nor etcdctl).
    pub fn enable_auth(&self, root_password: &str) {
        assert!(
            self.tls.is_none(),
            "enable_auth supports plain members only (TLS + auth is not needed by the tests)"
        );
        let password = json_string(root_password);
        for (path, body) in [
            (
                "/v3/auth/user/add",
                format!(r#"{{"name":"root","password":{password}}}"#),
            ),
            (
                "/v3/auth/user/grant",
                r#"{"user":"root","role":"root"}"#.to_owned(),
            ),
            ("/v3/auth/enable", "{}".to_owned()),
        ] {
            let resp = http::request(
                self.client_addr(),
                "POST",
                path,
                Some(&body),
                Duration::from_secs(10),
            )
            .unwrap_or_else(|e| panic!("POST {path} to etcd {}: {e}", self.name));
            assert_eq!(
                resp.status, 200,
                "POST {path} to etcd {} failed: {}",
                self.name, resp.body
            );
        }
    }

    /// POSTs `body` to etcd's JSON gateway at `path` (`/v3/kv/range`, ...) and returns the
    /// answer: the server's own view, to judge ectl's output by where etcdctl lacks a flag.
    pub fn gateway(&self, path: &str, body: &str) -> String {
        let resp = http::request(
            self.client_addr(),
            "POST",
            path,
            Some(body),
            Duration::from_secs(10),
        )
        .unwrap_or_else(|e| panic!("POST {path} to etcd {}: {e}", self.name));
        assert_eq!(
            resp.status, 200,
            "POST {path} {body} to etcd {}: {}",
            self.name, resp.body
        );
        resp.body
    }

    /// The last [`LOG_TAIL_LINES`] lines of the log.
    pub fn log_tail(&self) -> String {
        let log = fs::read(self.log_path()).unwrap_or_default();
        let log = String::from_utf8_lossy(&log);
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }

    fn spawn(
        bin: &Path,
        name: String,
        ports: Ports,
        initial_cluster: &str,
        token: &str,
        opts: &Options,
    ) -> io::Result<Etcd> {
        let dir = tempfile::Builder::new().prefix("ectl-etcd-").tempdir()?;
        let log_path = dir.path().join("etcd.log");
        // Go panics and flag errors bypass the zap log: send them to the same file.
        let output = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)?;
        let scheme = if opts.tls.is_some() { "https" } else { "http" };
        let client_url = format!("{scheme}://127.0.0.1:{}", ports.client);
        let peer_url = format!("http://127.0.0.1:{}", ports.peer);

        let mut cmd = Command::new(bin);
        cmd.arg(format!("--name={name}"))
            .arg(format!("--data-dir={}", dir.path().join("data").display()))
            .arg(format!("--listen-client-urls={client_url}"))
            .arg(format!("--advertise-client-urls={client_url}"))
            .arg(format!("--listen-peer-urls={peer_url}"))
            .arg(format!("--initial-advertise-peer-urls={peer_url}"))
            .arg(format!("--initial-cluster={initial_cluster}"))
            .arg(format!("--initial-cluster-token={token}"))
            .arg("--initial-cluster-state=new")
            .arg(format!(
                "--listen-metrics-urls=http://127.0.0.1:{}",
                ports.metrics
            ))
            .arg("--logger=zap")
            .arg(format!("--log-outputs={}", log_path.display()))
            // The cheapest bcrypt keeps `user add` and every authenticate fast on 2 cores.
            .arg("--bcrypt-cost=4");
        if let Some(tls) = &opts.tls {
            cmd.arg("--client-cert-auth")
                .arg(format!("--trusted-ca-file={}", tls.ca().display()))
                .arg(format!("--cert-file={}", tls.server_cert().display()))
                .arg(format!("--key-file={}", tls.server_key().display()));
        }
        if let Some(ttl) = opts.auth_token_ttl {
            cmd.arg(format!("--auth-token-ttl={ttl}"));
        }
        cmd.args(&opts.extra_args);
        // etcd reads every flag from ETCD_* too; a developer's stray settings must not leak in.
        for (key, _) in std::env::vars_os() {
            let key_str = key.to_string_lossy();
            if key_str.starts_with("ETCD_") && key_str != "ETCD_UNSUPPORTED_ARCH" {
                cmd.env_remove(&key);
            }
        }
        cmd.stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output);
        // SAFETY: prctl is a single async-signal-safe system call.
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(io::Error::from)
            });
        }
        let child = cmd.spawn()?;
        Ok(Etcd {
            name,
            pid: child.id(),
            child: Mutex::new(child),
            ports,
            tls: opts.tls.clone(),
            dir,
        })
    }

    /// Polls `/health` until it is true, the process exits, or `deadline` passes.
    fn wait_ready(&self, deadline: Instant) -> Result<(), StartError> {
        loop {
            let exited = self.child().try_wait().expect("try_wait on etcd");
            if let Some(status) = exited {
                let log = self.log_tail();
                let message = format!(
                    "etcd member {} exited during start-up ({status}); log tail:\n{log}",
                    self.name
                );
                return Err(if log.contains("address already in use") {
                    StartError::PortTaken(message)
                } else {
                    StartError::Fatal(message)
                });
            }
            if self.is_healthy(PROBE_TIMEOUT) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(StartError::Fatal(format!(
                    "etcd member {} not healthy after {READY_TIMEOUT:?}; log tail:\n{}",
                    self.name,
                    self.log_tail()
                )));
            }
            sleep(Duration::from_millis(50));
        }
    }

    fn client_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.client))
    }

    fn metrics_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.metrics))
    }

    fn signal(&self, sig: Signal) {
        let pid = Pid::from_raw(self.pid as i32);
        signal::kill(pid, sig).unwrap_or_else(|e| panic!("{sig} to etcd {}: {e}", self.name));
    }

    fn child(&self) -> MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(PoisonError::into_inner);
        let _ = child.kill();
        let _ = child.wait();
        if std::thread::panicking() {
            eprintln!(
                "---- last {LOG_TAIL_LINES} lines of etcd member {} log ({}) ----\n{}\n---- end of {} log ----",
                self.name,
                self.log_path().display(),
                self.log_tail(),
                self.name
            );
        }
    }
}

/// An N-member etcd cluster on loopback (plain peers). Members can be killed or frozen one by
/// one; dropping the cluster kills them all.
pub struct Cluster {
    members: Vec<Etcd>,
}

impl Cluster {
    /// Three plain members.
    pub fn new() -> Cluster {
        Cluster::start(3, Options::default())
    }

    /// `size` members, each started with `opts`; returns once every member is healthy (which
    /// needs a leader). Retries with fresh ports when one was taken in the meantime.
    pub fn start(size: usize, opts: Options) -> Cluster {
        assert!(size > 0, "a cluster needs at least one member");
        let bin = opts.bin.clone().unwrap_or_else(etcd_bin);
        let mut last = String::new();
        for _ in 0..START_ATTEMPTS {
            match start_members(&bin, size, &opts) {
                Ok(members) => return Cluster { members },
                Err(StartError::PortTaken(message)) => last = message,
                Err(StartError::Fatal(message)) => panic!("{message}"),
            }
        }
        panic!("etcd could not bind its ports in {START_ATTEMPTS} attempts; last: {last}")
    }

    /// The members, in `--initial-cluster` order.
    pub fn members(&self) -> &[Etcd] {
        &self.members
    }

    /// Comma-separated `127.0.0.1:PORT` client endpoints of all members, for `--endpoints`.
    pub fn endpoints(&self) -> String {
        let endpoints: Vec<String> = self.members.iter().map(Etcd::endpoint).collect();
        endpoints.join(",")
    }

    /// `ectl --endpoints=<every member>`, plus the client certificate flags for TLS members.
    pub fn ectl(&self) -> Cmd {
        connect(cmd::ectl(), &self.endpoints(), self.members[0].tls())
    }

    /// The reference `etcdctl`, connected like [`Cluster::ectl`].
    pub fn etcdctl(&self) -> Cmd {
        connect(cmd::etcdctl(), &self.endpoints(), self.members[0].tls())
    }

    /// Index of the leader: waits (up to 15 s) until exactly one live, answering member says it
    /// leads. Killed members are skipped; frozen ones just don't answer.
    pub fn leader(&self) -> usize {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let leaders: Vec<usize> = (0..self.members.len())
                .filter(|&i| self.members[i].is_running())
                .filter(|&i| self.members[i].is_leader() == Some(true))
                .collect();
            if let [leader] = leaders[..] {
                return leader;
            }
            assert!(
                Instant::now() < deadline,
                "no single leader after {READY_TIMEOUT:?} (members claiming it: {leaders:?})"
            );
            sleep(Duration::from_millis(100));
        }
    }
}

impl Cluster {
    /// A follower's index, and `--endpoints` with that follower first and the leader last:
    /// for tests that take the first endpoint away without an election.
    pub fn follower_first(&self) -> (usize, String) {
        let leader = self.leader();
        let n = self.members.len();
        let follower = (leader + 1) % n;
        let order = (0..n).map(|i| (follower + i) % n).filter(|&i| i != leader);
        let endpoints: Vec<String> = order
            .chain([leader])
            .map(|i| self.members[i].endpoint())
            .collect();
        (follower, endpoints.join(","))
    }
}

impl Cluster {
    /// Adds a learner with `ectl member add --learner` and starts it (on the test's thread);
    /// returns its index. It may still be catching up: its health is the caller's to wait for.
    pub fn add_learner(&mut self) -> usize {
        let ports = free_ports(1)[0];
        let name = format!("m{}", self.members.len());
        let peer_url = format!("http://127.0.0.1:{}", ports.peer);
        // etcd refuses membership changes until its members have been connected for a while.
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let out = self
                .ectl()
                .args(["member", "add", &name, "--learner"])
                .arg(format!("--peer-urls={peer_url}"))
                .run();
            if out.code == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "member add --learner failed: {}",
                out.stderr_str()
            );
            sleep(Duration::from_millis(200));
        }
        let initial: Vec<String> = self
            .members
            .iter()
            .map(|m| format!("{}={}", m.name, m.peer_url()))
            .chain([format!("{name}={peer_url}")])
            .collect();
        // etcd takes the last of a repeated flag: this one overrides spawn's `new`.
        let opts = Options {
            tls: self.members[0].tls.clone(),
            extra_args: vec!["--initial-cluster-state=existing".into()],
            ..Options::default()
        };
        let bin = etcd_bin();
        let token = format!("ectl-test-learner-{}", std::process::id());
        let member = Etcd::spawn(&bin, name, ports, &initial.join(","), &token, &opts)
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        self.members.push(member);
        self.members.len() - 1
    }
}

impl Index<usize> for Cluster {
    type Output = Etcd;

    /// `cluster[i]` is `cluster.members()[i]`.
    fn index(&self, index: usize) -> &Etcd {
        &self.members[index]
    }
}

enum StartError {
    /// etcd exited because a port was taken between picking and binding it: worth a retry.
    PortTaken(String),
    Fatal(String),
}

fn start_members(bin: &Path, size: usize, opts: &Options) -> Result<Vec<Etcd>, StartError> {
    let ports = free_ports(size);
    let token = format!(
        "ectl-test-{}-{}",
        std::process::id(),
        NEXT_CLUSTER.fetch_add(1, Ordering::Relaxed)
    );
    let initial_cluster: Vec<String> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| format!("m{i}=http://127.0.0.1:{}", p.peer))
        .collect();
    let initial_cluster = initial_cluster.join(",");
    let mut members = Vec::with_capacity(size);
    for (i, p) in ports.into_iter().enumerate() {
        let member = Etcd::spawn(bin, format!("m{i}"), p, &initial_cluster, &token, opts)
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        members.push(member);
    }
    let deadline = Instant::now() + READY_TIMEOUT;
    for member in &members {
        member.wait_ready(deadline)?;
    }
    Ok(members)
}

/// Ports the kernel calls free right now. All listeners are held until every port is picked so
/// no port is handed out twice; another process may still take one before etcd binds it.
fn free_ports(members: usize) -> Vec<Ports> {
    let listeners: Vec<TcpListener> = (0..members * 3)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().expect("local_addr").port())
        .collect();
    ports
        .chunks(3)
        .map(|p| Ports {
            client: p[0],
            peer: p[1],
            metrics: p[2],
        })
        .collect()
}

/// `cmd --endpoints=ENDPOINTS [TLS client flags]`: the global flags go first, as users write them.
fn connect(cmd: Cmd, endpoints: &str, tls: Option<&Tls>) -> Cmd {
    let cmd = cmd.arg(format!("--endpoints={endpoints}"));
    match tls {
        Some(tls) => cmd.args(tls.client_flags()),
        None => cmd,
    }
}

/// `$ETCD_BIN`, else `etcd` on `PATH`, else `/usr/bin/etcd`; panics with the way to install it.
/// Every etcd a test starts comes from here, so `ETCD_BIN` moves the whole suite to another
/// server version (scripts/test runs it again against etcd 3.5).
pub fn etcd_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("ETCD_BIN").filter(|bin| !bin.is_empty()) {
        let bin = PathBuf::from(bin);
        assert!(bin.is_file(), "ETCD_BIN={} does not exist", bin.display());
        return bin;
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("etcd"))
        .find(|candidate| candidate.is_file());
    let bin = on_path.unwrap_or_else(|| PathBuf::from("/usr/bin/etcd"));
    assert!(
        bin.is_file(),
        "etcd not found: install it with `apt-get install etcd-server` \
         (or run scripts/test, which installs it), or set ETCD_BIN"
    );
    bin
}

/// The `(major, minor)` version of [`etcd_bin`], read once from `etcd --version`: tests whose
/// expected outcome depends on the server (a 3.5-only RPC, say) branch on it.
pub fn server_version() -> (u32, u32) {
    static VERSION: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();
    *VERSION.get_or_init(|| {
        let out = Command::new(etcd_bin())
            .arg("--version")
            .output()
            .expect("run etcd --version");
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .lines()
            .find_map(|line| line.strip_prefix("etcd Version: "))
            .unwrap_or_else(|| panic!("no version in `etcd --version`: {text}"));
        let mut parts = version.trim().split('.').map(|part| part.parse().unwrap());
        (parts.next().unwrap(), parts.next().unwrap())
    })
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
