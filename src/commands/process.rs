//! Running a user's command as etcdctl's `exec.Cmd.Run` runs it (`watch -- cmd` per event,
//! `lock name cmd` under the lock), and the signal handling of the commands that run until
//! stopped. The commands differ only in the variables they add and in what a signal does.

use std::ffi::{CString, OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;

use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::error::{CliError, ExitCode};
use crate::go;

/// A user's command line with the environment etcdctl hands it.
#[derive(Debug, Clone)]
pub struct UserCommand {
    argv: Vec<OsString>,
    env: Vec<Vec<u8>>,
}

/// Why a user's command failed, worded as Go's `os/exec` words it.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// The command's own exit status (128 + N for a death by signal N); `None` when it never
    /// ran or could not be waited for.
    pub status: Option<u8>,
}

impl UserCommand {
    /// `argv` with the process's environment (minus `ETCDCTL_API`, which etcdctl unsets at
    /// start) and etcdctl's variables: `before` it (lock's, so inherited ones win) and `after`
    /// it (watch's, which win).
    pub fn new(argv: &[OsString], before: &[(&str, Vec<u8>)], after: &[(&str, Vec<u8>)]) -> Self {
        let inherited = std::env::vars_os()
            .filter(|(name, _)| name != "ETCDCTL_API")
            .map(|(name, value)| [name.as_bytes(), b"=", value.as_bytes()].concat());
        let added = |vars: &[(&str, Vec<u8>)]| -> Vec<Vec<u8>> {
            let assignment =
                |(name, value): &(&str, Vec<u8>)| [name.as_bytes(), b"=", value].concat();
            vars.iter().map(assignment).collect()
        };
        let env = added(before)
            .into_iter()
            .chain(inherited)
            .chain(added(after))
            .collect();
        UserCommand {
            argv: argv.to_vec(),
            env: dedup_env(env),
        }
    }

    /// The argument list, for error messages.
    pub fn argv(&self) -> &[OsString] {
        &self.argv
    }

    /// Runs the command to its end, blocking: stdin from /dev/null, stdout and stderr shared,
    /// the environment in the order built (which `std::process` cannot keep: it sorts).
    pub fn run(&self) -> Result<(), Failure> {
        let failed = |message: String| Failure {
            message,
            status: None,
        };
        let path = look_path(&self.argv[0]).map_err(failed)?;
        let cstring = |bytes: &[u8]| {
            CString::new(bytes)
                .map_err(|_| failed("invalid argument: NUL byte in the command".to_string()))
        };
        let c_path = cstring(path.as_bytes())?;
        let argv: Vec<CString> = self
            .argv
            .iter()
            .map(|a| cstring(a.as_bytes()))
            .collect::<Result<_, _>>()?;
        let envp: Vec<CString> = self
            .env
            .iter()
            .map(|e| cstring(e))
            .collect::<Result<_, _>>()?;
        let pid = spawn(&c_path, &argv, &envp).map_err(|e| {
            failed(format!(
                "fork/exec {}: {}",
                path.to_string_lossy(),
                go::errno_text(&e)
            ))
        })?;
        let status = wait(pid).map_err(|e| failed(format!("wait: {}", go::errno_text(&e))))?;
        exit_failure(status).map_or(Ok(()), Err)
    }
}

/// Go's `os/exec` keeps the last of duplicate variables, where that one stands.
fn dedup_env(env: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let name = |e: &[u8]| e.split(|&b| b == b'=').next().unwrap_or_default().to_vec();
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<Vec<u8>> = env
        .into_iter()
        .rev()
        .filter(|e| seen.insert(name(e)))
        .collect();
    kept.reverse();
    kept
}

/// Go's `exec.LookPath`: a name with a slash is used as it is; otherwise the first executable
/// regular file of that name in `$PATH`.
pub(crate) fn look_path(name: &OsStr) -> Result<OsString, String> {
    use std::os::unix::fs::PermissionsExt;
    if name.as_bytes().contains(&b'/') {
        return Ok(name.to_owned());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let dir = if dir.as_os_str().is_empty() {
            ".".into()
        } else {
            dir
        };
        let candidate = dir.join(name);
        if let Ok(meta) = std::fs::metadata(&candidate)
            && meta.is_file()
            && meta.permissions().mode() & 0o111 != 0
        {
            return Ok(candidate.into_os_string());
        }
    }
    Err(format!(
        "exec: {}: executable file not found in $PATH",
        go::quote(name.as_bytes())
    ))
}

/// posix_spawn with stdin from /dev/null and SIGPIPE at its default.
fn spawn(path: &CString, argv: &[CString], envp: &[CString]) -> io::Result<libc::pid_t> {
    let pointers = |strings: &[CString]| -> Vec<*mut libc::c_char> {
        let mut p: Vec<_> = strings.iter().map(|s| s.as_ptr().cast_mut()).collect();
        p.push(std::ptr::null_mut());
        p
    };
    let (argv_ptrs, envp_ptrs) = (pointers(argv), pointers(envp));
    let dev_null = c"/dev/null";
    let mut pid: libc::pid_t = 0;
    // SAFETY: every pointer handed to posix_spawn outlives the call (the CStrings above); the
    // file actions and attributes are initialised before use and destroyed after.
    let spawned = unsafe {
        let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        libc::posix_spawn_file_actions_init(&mut actions);
        libc::posix_spawn_file_actions_addopen(
            &mut actions,
            0,
            dev_null.as_ptr(),
            libc::O_RDONLY,
            0,
        );
        libc::posix_spawnattr_init(&mut attr);
        // Rust ignores SIGPIPE; a Go parent leaves it at its default in children.
        let mut default_signals: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut default_signals);
        libc::sigaddset(&mut default_signals, libc::SIGPIPE);
        libc::posix_spawnattr_setsigdefault(&mut attr, &default_signals);
        libc::posix_spawnattr_setflags(&mut attr, libc::POSIX_SPAWN_SETSIGDEF as libc::c_short);
        let result = libc::posix_spawn(
            &mut pid,
            path.as_ptr(),
            &actions,
            &attr,
            argv_ptrs.as_ptr(),
            envp_ptrs.as_ptr(),
        );
        libc::posix_spawn_file_actions_destroy(&mut actions);
        libc::posix_spawnattr_destroy(&mut attr);
        result
    };
    match spawned {
        0 => Ok(pid),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

fn wait(pid: libc::pid_t) -> io::Result<std::process::ExitStatus> {
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: waiting for the child spawned above.
        let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
        if waited == pid {
            return Ok(std::process::ExitStatus::from_raw(status));
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Go's `ExitError` text for a status that is not success, with the status etcdctl exits with.
pub(crate) fn exit_failure(status: std::process::ExitStatus) -> Option<Failure> {
    if status.success() {
        return None;
    }
    if let Some(code) = status.code() {
        return Some(Failure {
            message: format!("exit status {code}"),
            status: Some(u8::try_from(code).unwrap_or(1)),
        });
    }
    let signal = status.signal().unwrap_or(0);
    let core = if status.core_dumped() {
        " (core dumped)"
    } else {
        ""
    };
    Some(Failure {
        message: format!("signal: {}{core}", go::signal_name(signal)),
        status: Some(u8::try_from(128 + signal).unwrap_or(1)),
    })
}

/// SIGINT for a command that runs until stopped and then dies of it, as etcdctl does with no
/// handler installed: never delivered when SIGINT was ignored at start (`cmd &` in a script),
/// which Go leaves ignored.
pub struct Sigint(Option<Signal>);

impl Sigint {
    pub fn install() -> io::Result<Sigint> {
        if sigint_ignored() {
            return Ok(Sigint(None));
        }
        Ok(Sigint(Some(signal(SignalKind::interrupt())?)))
    }

    pub async fn recv(&mut self) {
        match &mut self.0 {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    }
}

/// Whether SIGINT is ignored (inherited `SIG_IGN`).
fn sigint_ignored() -> bool {
    // SAFETY: sigaction with a null new action only reads the current one into `old`.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

/// After [`Sigint`]: flush what was printed, then die of SIGINT, so the parent sees the
/// status etcdctl's death gives. The returned error is only a fallback should the signal not
/// end the process.
pub fn die_of_sigint(out: &mut dyn Write) -> anyhow::Error {
    let _ = out.flush();
    // SAFETY: restoring the default disposition and raising a signal in this process.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::raise(libc::SIGINT);
    }
    CliError::new(ExitCode::Interrupted, "interrupted").into()
}

/// SIGINT and SIGTERM, which etcdctl's lock and elect catch (`signal.Notify`, which also
/// takes over an ignored SIGINT) to release what they hold.
pub struct Interrupts {
    int: Signal,
    term: Signal,
}

impl Interrupts {
    /// Installs the handlers: from here on these signals no longer kill the process.
    pub fn install() -> io::Result<Interrupts> {
        Ok(Interrupts {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
        })
    }

    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assignments(env: &[&str]) -> Vec<Vec<u8>> {
        env.iter().map(|e| e.as_bytes().to_vec()).collect()
    }

    #[test]
    fn duplicate_variables_keep_the_last_value_where_it_stands() {
        let env = assignments(&["A=1", "B=2", "A=3", "C=4", "B=5"]);
        assert_eq!(dedup_env(env), assignments(&["A=3", "C=4", "B=5"]));
    }

    #[test]
    fn added_variables_go_around_the_inherited_environment() {
        let home = std::env::var("HOME").expect("HOME is set in tests");
        let lock = UserCommand::new(
            &["true".into()],
            &[("HOME", b"lock".to_vec()), ("ETCD_X", b"1".to_vec())],
            &[],
        );
        // An inherited variable wins over one put before the environment.
        assert!(lock.env.contains(&format!("HOME={home}").into_bytes()));
        assert_eq!(lock.env[0], b"ETCD_X=1");
        let watch = UserCommand::new(&["true".into()], &[], &[("HOME", b"w".to_vec())]);
        assert_eq!(watch.env.last().unwrap(), b"HOME=w");
        assert!(!watch.env.iter().any(|e| e.starts_with(b"ETCDCTL_API=")));
    }

    #[test]
    fn go_wording_of_failures() {
        let run = |argv: &[&str]| {
            let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
            UserCommand::new(&argv, &[], &[]).run()
        };
        assert_eq!(
            run(&["no-such-command-anywhere"]).unwrap_err(),
            Failure {
                message: "exec: \"no-such-command-anywhere\": executable file not found in $PATH"
                    .into(),
                status: None
            }
        );
        assert_eq!(
            run(&["./no/such/file"]).unwrap_err().message,
            "fork/exec ./no/such/file: no such file or directory"
        );
        assert_eq!(run(&["true"]), Ok(()));
        assert_eq!(
            run(&["sh", "-c", "exit 7"]).unwrap_err(),
            Failure {
                message: "exit status 7".into(),
                status: Some(7)
            }
        );
        assert_eq!(
            run(&["sh", "-c", "kill -TERM $$"]).unwrap_err(),
            Failure {
                message: "signal: terminated".into(),
                status: Some(128 + 15)
            }
        );
    }
}
