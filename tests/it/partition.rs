//! Real network partitions: three etcd members, each in its own network namespace with its own
//! address, joined to each other and to a client namespace (where ectl and etcdctl run) by
//! veth pairs, one per pair of hosts. Taking one end of a veth down cuts that link both ways,
//! while every other link stays up: a member is cut off from its peers while the client still
//! reaches it, or the reverse. Packets to a cut member are dropped, not refused, as on a real
//! network; nothing is frozen or delayed by signals.
//!
//! What the tests prove, for ectl and for the reference etcdctl in the same scenario:
//! - a member cut off from its peers serves no stale linearizable read (the read fails), while a
//!   serializable read there may be stale (shown, as documented by etcd);
//! - a write through the cut-off member is reported as failed and never shows up later;
//! - reads, writes and watches move to the majority side, a watch without losing or repeating
//!   an event;
//! - once healed, the member rejoins with nothing lost: every member holds the same keys at the
//!   same revision.
//!
//! Needs root (network namespaces) and `ip` from iproute2; without either, each test fails
//! saying so: it is never skipped. Every wait is bounded and ends on an event (an answer, a
//! line of output), never on a fixed sleep.

use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use serde_json::Value;
use tempfile::TempDir;

use crate::support::{self, Cmd, Out, Running};

/// Members in a partition test.
const MEMBERS: usize = 3;
/// The client namespace's address.
const CLIENT_ADDR: &str = "10.77.0.100";
/// Bound on a cluster's start, an election or a rejoin: far above the seconds they take.
const SETTLE: Duration = Duration::from_secs(60);
/// Distinguishes the namespaces of tests running in parallel.
static NEXT_NET: AtomicUsize = AtomicUsize::new(0);

/// Member `i`'s address (on its namespace's loopback, reached over its veths).
fn addr(i: usize) -> String {
    format!("10.77.0.{}", i + 1)
}

/// Runs `ip ARGS`, panicking with its stderr when it fails.
fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run `ip` ({e}): the partition tests need iproute2 (apt-get install iproute2)"
        )
    });
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Panics, saying why, unless this process can make network namespaces.
fn assert_root() {
    // SAFETY: geteuid cannot fail and touches no memory.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "the partition tests need root (effective uid here: {euid}): they make network namespaces and veth pairs \
         (`ip netns add`, `ip link add`); run them as root (`sudo scripts/test -- partition::`)"
    );
}

/// The namespaces and links. Dropping it deletes the namespaces (and with them the veths).
struct Net {
    client: String,
    members: Vec<String>,
}

impl Net {
    /// A client namespace and one per member, with a veth from the client to each member and
    /// one between each two members, and host routes over them.
    fn new() -> Net {
        assert_root();
        let base = format!(
            "ectl-p{}-{}",
            std::process::id(),
            NEXT_NET.fetch_add(1, Ordering::Relaxed)
        );
        let net = Net {
            client: format!("{base}-c"),
            members: (0..MEMBERS).map(|i| format!("{base}-m{i}")).collect(),
        };
        for (ns, address) in std::iter::once((&net.client, CLIENT_ADDR.to_owned()))
            .chain(net.members.iter().zip((0..MEMBERS).map(addr)))
        {
            ip(&["netns", "add", ns]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("{address}/32"),
                "dev",
                "lo",
            ]);
        }
        for i in 0..MEMBERS {
            net.link(&net.client, "m", i, &net.members[i], "c", None);
            for j in i + 1..MEMBERS {
                net.link(&net.members[i], "p", j, &net.members[j], "p", Some(i));
            }
        }
        net
    }

    /// A veth `{a_prefix}{b_index}` in `a` to `{b_prefix}{a_index}` in `b`, both up, with a
    /// host route each way.
    fn link(
        &self,
        a: &str,
        a_prefix: &str,
        b_index: usize,
        b: &str,
        b_prefix: &str,
        a_index: Option<usize>,
    ) {
        let a_dev = format!("{a_prefix}{b_index}");
        let b_dev = match a_index {
            Some(i) => format!("{b_prefix}{i}"),
            None => b_prefix.to_owned(),
        };
        ip(&[
            "-n", a, "link", "add", &a_dev, "type", "veth", "peer", "name", &b_dev, "netns", b,
        ]);
        self.up(a, &a_dev);
        self.up(b, &b_dev);
    }

    /// Sets `dev` in `ns` up and (again: a link going down takes its routes) routes the
    /// address at the other end over it.
    fn up(&self, ns: &str, dev: &str) {
        ip(&["-n", ns, "link", "set", dev, "up"]);
        let (local, remote) = self.ends(ns, dev);
        ip(&[
            "-n",
            ns,
            "route",
            "replace",
            &format!("{remote}/32"),
            "dev",
            dev,
            "src",
            &local,
        ]);
    }

    /// This namespace's address and the one across `dev`.
    fn ends(&self, ns: &str, dev: &str) -> (String, String) {
        let local = if ns == self.client {
            CLIENT_ADDR.to_owned()
        } else {
            addr(self.member_index(ns))
        };
        let remote = match dev.split_at(1) {
            ("c", _) => CLIENT_ADDR.to_owned(),
            (_, index) => addr(index.parse().expect("a member index")),
        };
        (local, remote)
    }

    fn member_index(&self, ns: &str) -> usize {
        self.members.iter().position(|m| m == ns).expect("a member")
    }

    /// Cuts member `i` off from every peer (its veths to them go down; the client's stays).
    fn cut_peers(&self, i: usize) {
        for j in (0..MEMBERS).filter(|&j| j != i) {
            ip(&[
                "-n",
                &self.members[i],
                "link",
                "set",
                &format!("p{j}"),
                "down",
            ]);
        }
    }

    /// Joins member `i` to its peers again.
    fn heal_peers(&self, i: usize) {
        for j in (0..MEMBERS).filter(|&j| j != i) {
            self.up(&self.members[i], &format!("p{j}"));
            // The far end kept its route; restate it in case the kernel dropped it.
            self.up(&self.members[j], &format!("p{i}"));
        }
    }

    /// Cuts the client off from member `i` at the member's end: the client's packets to it
    /// are dropped without an answer, as a lost network drops them.
    fn cut_client(&self, i: usize) {
        ip(&["-n", &self.members[i], "link", "set", "c", "down"]);
    }

    /// Joins the client and member `i` again.
    fn heal_client(&self, i: usize) {
        self.up(&self.members[i], "c");
        self.up(&self.client, &format!("m{i}"));
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in std::iter::once(&self.client).chain(&self.members) {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// One etcd member running in its namespace; killed on drop (and when the test thread dies).
struct Member {
    name: String,
    child: Child,
    dir: TempDir,
}

impl Member {
    /// Member `i` in namespace `ns`, of the cluster named `token`.
    fn start(ns: &str, token: &str, i: usize) -> io::Result<Member> {
        let dir = tempfile::Builder::new().prefix("ectl-part-").tempdir()?;
        let log = dir.path().join("etcd.log");
        let output = OpenOptions::new().create(true).append(true).open(&log)?;
        let name = format!("m{i}");
        let me = addr(i);
        let cluster: Vec<String> = (0..MEMBERS)
            .map(|j| format!("m{j}=http://{}:2380", addr(j)))
            .collect();
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns])
            .arg(support::etcd_bin())
            .arg(format!("--name={name}"))
            .arg(format!("--data-dir={}", dir.path().join("data").display()))
            .arg(format!("--listen-client-urls=http://{me}:2379"))
            .arg(format!("--advertise-client-urls=http://{me}:2379"))
            .arg(format!("--listen-peer-urls=http://{me}:2380"))
            .arg(format!("--initial-advertise-peer-urls=http://{me}:2380"))
            .arg(format!("--initial-cluster={}", cluster.join(",")))
            .arg(format!("--initial-cluster-token={token}"))
            .arg("--initial-cluster-state=new")
            .arg("--logger=zap")
            .arg(format!("--log-outputs={}", log.display()))
            .env_clear()
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output);
        // SAFETY: prctl is a single async-signal-safe system call; `ip netns exec` execs etcd,
        // which keeps the death signal.
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(io::Error::from)
            });
        }
        Ok(Member {
            name,
            child: cmd.spawn()?,
            dir,
        })
    }

    fn log_tail(&self) -> String {
        let log = fs::read(self.dir.path().join("etcd.log")).unwrap_or_default();
        let log = String::from_utf8_lossy(&log);
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "---- etcd {} log tail ----\n{}\n---- end ----",
                self.name,
                self.log_tail()
            );
        }
    }
}

/// The cluster in its namespaces. Members are dropped (killed) before the namespaces go.
struct Partitioned {
    /// Held for their drop: it kills them, and shows their logs when the test failed.
    _members: Vec<Member>,
    net: Net,
}

/// Which tool a command line is for.
#[derive(Clone, Copy, Debug)]
enum Tool {
    Ectl,
    Etcdctl,
}

impl Partitioned {
    /// Three members, returning once every one answers `endpoint health` from the client.
    fn start() -> Partitioned {
        let net = Net::new();
        let members = (0..MEMBERS)
            .map(|i| {
                Member::start(&net.members[i], &net.client, i).expect("start etcd in its namespace")
            })
            .collect();
        let cluster = Partitioned {
            _members: members,
            net,
        };
        cluster.wait_for("every member healthy", || {
            let out = cluster
                .tool(Tool::Ectl, &cluster.all())
                .args(["endpoint", "health"])
                .run();
            (out.code == 0).then_some(())
        });
        cluster
    }

    /// `--endpoints` for the given members, in that order.
    fn endpoints(&self, members: &[usize]) -> String {
        let list: Vec<String> = members
            .iter()
            .map(|&i| format!("{}:2379", addr(i)))
            .collect();
        format!("--endpoints={}", list.join(","))
    }

    fn all(&self) -> Vec<usize> {
        (0..MEMBERS).collect()
    }

    /// `tool --endpoints=... --command-timeout=3s`, run in the client namespace.
    fn tool(&self, tool: Tool, members: &[usize]) -> Cmd {
        let base = match tool {
            Tool::Ectl => support::ectl(),
            Tool::Etcdctl => support::etcdctl(),
        };
        base.arg(self.endpoints(members))
            .arg("--command-timeout=3s")
            .timeout(Duration::from_secs(60))
            .in_netns(&self.net.client)
    }

    /// Polls `check` until it gives a value; panics with the members' logs after [`SETTLE`].
    fn wait_for<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + SETTLE;
        loop {
            if let Some(value) = check() {
                return value;
            }
            assert!(Instant::now() < deadline, "no {what} within {SETTLE:?}");
            sleep(Duration::from_millis(200));
        }
    }

    /// Each answering member's (member id, leader id, raft index, revision), asked one by one.
    fn status(&self, members: &[usize]) -> Vec<Option<(u64, u64, u64, i64)>> {
        members
            .iter()
            .map(|&i| {
                let out = self
                    .tool(Tool::Ectl, &[i])
                    .args(["endpoint", "status", "-w", "json"])
                    .run();
                if out.code != 0 {
                    return None;
                }
                let v: Value = serde_json::from_slice(&out.stdout).ok()?;
                let s = &v[0]["Status"];
                Some((
                    s["header"]["member_id"].as_u64()?,
                    // Left out when 0 (no leader), as Go's omitempty does.
                    s["leader"].as_u64().unwrap_or(0),
                    s["raftIndex"].as_u64()?,
                    s["header"]["revision"].as_i64()?,
                ))
            })
            .collect()
    }

    /// The cluster's current revision (a linearizable read through every member).
    fn revision(&self) -> i64 {
        let out = self
            .tool(Tool::Ectl, &self.all())
            .args(["get", "k", "-w", "json"])
            .run();
        out.assert_ok();
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        v["header"]["revision"].as_i64().expect("a revision")
    }

    /// Waits until `members` all answer and agree on a leader among themselves; returns the
    /// leader's index.
    fn wait_for_leader(&self, members: &[usize]) -> usize {
        self.wait_for("one leader agreed on", || {
            let status = self.status(members);
            let status: Vec<(u64, u64, u64, i64)> = status.into_iter().collect::<Option<_>>()?;
            let leader = status[0].1;
            if leader == 0 || status.iter().any(|s| s.1 != leader) {
                return None;
            }
            let at = status.iter().position(|s| s.0 == leader)?;
            Some(members[at])
        })
    }

    /// Waits until every member answers with the same revision and the same keys.
    fn wait_for_same_keys(&self) -> String {
        self.wait_for("every member holding the same keys", || {
            let views: Vec<String> = self
                .all()
                .into_iter()
                .map(|i| {
                    let out = self
                        .tool(Tool::Ectl, &[i])
                        .args(["get", "", "--from-key", "--consistency=s", "-w", "fields"])
                        .run();
                    // The header names the member; keep the revision and the key-values.
                    out.stdout_str()
                        .lines()
                        .filter(|l| {
                            !l.starts_with("\"MemberID\"") && !l.starts_with("\"RaftTerm\"")
                        })
                        .map(|l| format!("{l}\n"))
                        .collect::<String>()
                        + &format!("exit {}", out.code)
                })
                .collect();
            (views.iter().all(|v| v == &views[0]) && views[0].ends_with("exit 0"))
                .then(|| views[0].clone())
        })
    }
}

fn put(cmd: Cmd, key: &str, value: &str) -> Out {
    cmd.args(["put", key, value]).run()
}

/// `get KEY --print-value-only` through `cmd` (extra flags first).
fn value(cmd: Cmd, key: &str, flags: &[&str]) -> Out {
    cmd.args(["get", key, "--print-value-only"])
        .args(flags)
        .run()
}

/// Starts `tool watch KEY --rev=REV` through `members` (first one first): from a given
/// revision, so a write made while the watch is still being created is not missed.
fn watch(cluster: &Partitioned, tool: Tool, members: &[usize], key: &str, rev: i64) -> Running {
    cluster
        .tool(tool, members)
        .args(["watch", key, &format!("--rev={rev}")])
        .timeout(Duration::from_secs(120))
        .spawn()
}

/// The leader cut off from its peers while the client still reaches it: no stale
/// linearizable read and no write through it, reads, writes and a watch move to the two
/// others, then it rejoins with nothing lost. ectl and etcdctl side by side.
#[test]
fn a_leader_cut_off_from_its_peers_serves_nothing_stale_and_rejoins() {
    let cluster = Partitioned::start();
    let all = cluster.all();
    let cut = cluster.wait_for_leader(&all);
    let rest: Vec<usize> = all.iter().copied().filter(|&i| i != cut).collect();
    put(cluster.tool(Tool::Ectl, &all), "k", "v1").assert_ok();
    cluster.wait_for_same_keys();
    // Watches that start on the member about to be cut off.
    let first_cut: Vec<usize> = std::iter::once(cut).chain(rest.iter().copied()).collect();
    let next = cluster.revision() + 1;
    let theirs = watch(&cluster, Tool::Etcdctl, &first_cut, "k", next);
    let ours = watch(&cluster, Tool::Ectl, &first_cut, "k", next);
    put(cluster.tool(Tool::Ectl, &all), "k", "v1-seen").assert_ok();
    for w in [&theirs, &ours] {
        w.wait_for_stdout("PUT\nk\nv1-seen\n");
    }

    cluster.net.cut_peers(cut);
    // The two others elect a leader of their own; the cut-off one cannot take part.
    let new_leader = cluster.wait_for_leader(&rest);
    assert_ne!(new_leader, cut);
    // The old leader steps down once it misses its quorum (etcd's check-quorum), which may be
    // a little after the others elected one: until then it still calls itself leader.
    cluster.wait_for("the cut-off member to know it has no leader", || {
        let status = cluster.status(&[cut]).pop().flatten()?;
        (status.1 == 0).then_some(())
    });
    for (tool, v) in [(Tool::Ectl, "v2"), (Tool::Etcdctl, "v3")] {
        put(cluster.tool(tool, &rest), "k", v).assert_ok();
    }

    // What each tool said about the read and the write through the cut-off member: exit code
    // and error line.
    let mut said = Vec::new();
    let error_line = |out: &Out| {
        let line = out
            .stderr_str()
            .lines()
            .find(|l| l.starts_with("Error: "))
            .map(str::to_owned);
        (out.code, line)
    };
    for tool in [Tool::Ectl, Tool::Etcdctl] {
        // Linearizable: fails, never the old value.
        let out = value(cluster.tool(tool, &[cut]), "k", &[]);
        assert_ne!(
            out.code, 0,
            "{tool:?}: a linearizable read on the cut-off member: {out:?}"
        );
        assert_eq!(out.stdout_str(), "", "{tool:?}: {out:?}");
        if let Tool::Ectl = tool {
            // Refused at once for want of a leader, asked again until the command timeout.
            assert!(
                out.stderr_str().contains("etcdserver: no leader"),
                "{out:?}"
            );
        }
        let read = error_line(&out);
        // Serializable: the member's own copy, stale by design (etcd documents it).
        let out = value(cluster.tool(tool, &[cut]), "k", &["--consistency=s"]);
        out.assert_ok();
        assert_eq!(out.stdout_str(), "v1-seen\n", "{tool:?}");
        // A write through it is reported as failed.
        let out = put(cluster.tool(tool, &[cut]), &format!("lost-{tool:?}"), "x");
        assert_ne!(
            out.code, 0,
            "{tool:?}: a write through the cut-off member: {out:?}"
        );
        said.push((read, error_line(&out)));
    }
    // Both fail alike, for the read and for the write: exit code 1 and a timeout. (etcdctl's
    // line is grpc-go's `rpc error: code = Unknown desc = context deadline exceeded` when the
    // server's copy of the deadline answers before its own; either way the same event.)
    for (what, (code, line)) in said
        .iter()
        .flat_map(|(read, write)| [("read", read), ("write", write)])
    {
        assert_eq!(*code, 1, "{what}: {said:?}");
        assert!(
            line.as_deref()
                .is_some_and(|l| l.ends_with("context deadline exceeded")),
            "{what}: {said:?}"
        );
    }
    // With every member listed, the cut-off one first: ectl asks for a member with a leader,
    // so the cut-off one refuses at once and the majority answers with the newest value.
    // etcdctl 3.4 sends no such request: the cut-off member holds the read until
    // --command-timeout when its balancer picks it; never a stale value either way.
    let out = value(cluster.tool(Tool::Ectl, &first_cut), "k", &[]);
    out.assert_ok();
    assert_eq!(out.stdout_str(), "v3\n", "ectl, cut-off member first");
    let out = value(cluster.tool(Tool::Etcdctl, &first_cut), "k", &[]);
    assert!(
        out.stdout_str() == "v3\n" || (out.code != 0 && out.stdout_str().is_empty()),
        "etcdctl, cut-off member first: {out:?}"
    );
    // Through the majority alone, both answer the newest value.
    for tool in [Tool::Ectl, Tool::Etcdctl] {
        let out = value(cluster.tool(tool, &rest), "k", &[]);
        out.assert_ok();
        assert_eq!(out.stdout_str(), "v3\n", "{tool:?}, the majority");
    }
    // ectl's watch left the member that lost its leader (etcd ended the stream: "no leader")
    // and saw both writes on the majority. etcdctl 3.4's watch, when its stream was on that
    // member, ends there with an error; on another member it sees both writes. Neither
    // misses a write silently.
    ours.wait_for_stdout("PUT\nk\nv2\nPUT\nk\nv3\n");
    // etcdctl's watch settles: it has every write so far, or etcd ended it for want of a
    // leader (etcdctl 3.4 then exits).
    let etcdctl_settles = |want: &str| {
        cluster.wait_for("etcdctl's watch to see the writes or end", || {
            let ended = theirs
                .stderr_so_far()
                .contains("Error: watch is canceled by the server");
            let seen = String::from_utf8_lossy(&theirs.stdout_so_far()).into_owned();
            (ended || seen == want).then_some(ended)
        })
    };
    let mut etcdctl_ended = etcdctl_settles("PUT\nk\nv1-seen\nPUT\nk\nv2\nPUT\nk\nv3\n");
    // doctor sees the cut-off member trail the others, unless the allowed lag is larger.
    let trailing = |max: &str| {
        let out = cluster
            .tool(Tool::Ectl, &all)
            .args(["-w", "json", "doctor", &format!("--max-raft-lag={max}")])
            .run();
        out.stdout_str().contains(&format!(
            "{}:2379 trails the most advanced member by",
            addr(cut)
        ))
    };
    let lag = {
        let status = cluster.status(&all);
        let newest = status.iter().flatten().map(|s| s.2).max().unwrap();
        newest - status[cut].expect("the cut-off member answers status").2
    };
    assert!(lag > 0, "the majority wrote while the member was cut off");
    assert!(
        trailing("0"),
        "doctor --max-raft-lag=0 names the trailing member"
    );
    assert!(!trailing("100000"), "doctor --max-raft-lag=100000 does not");

    cluster.net.heal_peers(cut);
    let keys = cluster.wait_for_same_keys();
    assert!(keys.contains("\"Value\" : \"v3\""), "{keys}");
    assert!(
        !keys.contains("lost-"),
        "a write reported as failed showed up: {keys}"
    );
    // Writes go through the rejoined member again, once it knows the leader.
    cluster.wait_for_leader(&all);
    put(cluster.tool(Tool::Ectl, &[cut]), "k", "v4").assert_ok();
    let every_write = "PUT\nk\nv1-seen\nPUT\nk\nv2\nPUT\nk\nv3\nPUT\nk\nv4\n";
    ours.wait_for_stdout(every_write);
    cluster.wait_for_same_keys();
    // Each write once, in order.
    ours.interrupt();
    let ours = ours.wait();
    assert_eq!(ours.stdout_str(), every_write, "{ours:?}");
    // etcdctl's watch: the writes it saw are every write's first ones, in order, none twice;
    // when an election (the cut, or the rejoin's) ended it, it said so and exited 5
    // (etcdctl's ExitInterrupted).
    if !etcdctl_ended {
        etcdctl_ended = etcdctl_settles(every_write);
    }
    if etcdctl_ended {
        let theirs = theirs.wait();
        assert!(every_write.starts_with(&theirs.stdout_str()), "{theirs:?}");
        assert_eq!(
            (theirs.code, theirs.stderr_str().as_str()),
            (
                5,
                "watch was canceled (etcdserver: no leader)\nError: watch is canceled by the server\n"
            ),
            "{theirs:?}"
        );
    } else {
        theirs.interrupt();
        let theirs = theirs.wait();
        assert_eq!(theirs.stdout_str(), every_write, "{theirs:?}");
    }
    let out = cluster
        .tool(Tool::Ectl, &all)
        .args(["diff", "--members"])
        .run();
    assert_eq!((out.code, out.stdout_str()), (0, String::new()), "{out:?}");
}

/// The reverse: the client loses a member (its packets dropped, not refused) while the
/// members still reach each other. Reads, writes and a watch already on that member move to
/// the others; healed, the member holds everything written meanwhile.
#[test]
fn a_member_the_client_cannot_reach_is_left_for_the_others() {
    let cluster = Partitioned::start();
    let all = cluster.all();
    let leader = cluster.wait_for_leader(&all);
    // Cut a follower, so no election muddies what is proven: the client side alone.
    let cut = (leader + 1) % MEMBERS;
    let first_cut: Vec<usize> = std::iter::once(cut)
        .chain(all.iter().copied().filter(|&i| i != cut))
        .collect();
    let next = cluster.revision() + 1;
    let watches =
        [Tool::Etcdctl, Tool::Ectl].map(|tool| watch(&cluster, tool, &first_cut, "k", next));
    put(cluster.tool(Tool::Ectl, &all), "k", "before").assert_ok();
    for w in &watches {
        w.wait_for_stdout("PUT\nk\nbefore\n");
    }

    cluster.net.cut_client(cut);
    // Written while the watches' connection goes nowhere: their keepalive must notice and
    // move, then deliver this from the revision they had reached.
    put(cluster.tool(Tool::Ectl, &first_cut[1..]), "k", "during").assert_ok();
    for tool in [Tool::Ectl, Tool::Etcdctl] {
        // Only the unreachable member listed: a failure, with nothing printed.
        let out = value(
            cluster.tool(tool, &[cut]).arg("--dial-timeout=1s"),
            "k",
            &[],
        );
        assert_ne!(out.code, 0, "{tool:?}: {out:?}");
        assert_eq!(out.stdout_str(), "", "{tool:?}");
        if let Tool::Ectl = tool {
            // ectl names the member it could not reach.
            assert!(
                out.stderr_str().contains(&format!("{}:2379", addr(cut))),
                "{out:?}"
            );
        }
    }
    // It listed first: ectl gives up on it after the dial timeout and answers from another.
    for tool in [Tool::Ectl, Tool::Etcdctl] {
        let out = value(cluster.tool(tool, &first_cut), "k", &[]);
        out.assert_ok();
        assert_eq!(out.stdout_str(), "during\n", "{tool:?}");
        put(
            cluster.tool(tool, &first_cut),
            &format!("written-{tool:?}"),
            "yes",
        )
        .assert_ok();
    }
    for w in &watches {
        w.wait_for_stdout("PUT\nk\nduring\n");
    }

    cluster.net.heal_client(cut);
    let keys = cluster.wait_for_same_keys();
    for wanted in ["written-Ectl", "written-Etcdctl", "\"Value\" : \"during\""] {
        assert!(keys.contains(wanted), "{wanted} after healing: {keys}");
    }
    let out = value(cluster.tool(Tool::Ectl, &[cut]), "written-Etcdctl", &[]);
    out.assert_ok();
    assert_eq!(out.stdout_str(), "yes\n");
    for w in watches {
        w.interrupt();
        let out = w.wait();
        assert_eq!(
            out.stdout_str(),
            "PUT\nk\nbefore\nPUT\nk\nduring\n",
            "{out:?}"
        );
    }
}

/// The namespaces a test makes exist while it runs and are gone once it ends.
#[test]
fn namespaces_are_removed_after_a_test() {
    let names: Vec<PathBuf> = {
        let net = Net::new();
        let names: Vec<PathBuf> = std::iter::once(&net.client)
            .chain(&net.members)
            .map(|ns| PathBuf::from("/run/netns").join(ns))
            .collect();
        for name in &names {
            assert!(name.exists(), "{} not made", name.display());
        }
        names
    };
    for name in names {
        assert!(!name.exists(), "{} left behind", name.display());
    }
}
