//! A real interactive shell (bash or zsh) in a pseudo-terminal made by tmux, typed at as a
//! person types: for completion, help layout and progress bars as a terminal shows them.
//! Each shell has its own tmux server (socket in a temp dir), `ectl` on its PATH from a
//! directory of its own, and a clean environment.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The prompt every shell here shows, so a test can find the line being edited.
pub const PROMPT: &str = "PTY> ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellKind {
    Bash,
    Zsh,
}

pub struct Shell {
    dir: tempfile::TempDir,
}

impl Shell {
    /// An interactive `kind` shell, 120 columns wide, that has run `setup` (one line) first.
    pub fn start(kind: ShellKind, setup: &str) -> Shell {
        Shell::start_sized(kind, setup, 120)
    }

    /// [`Shell::start`] on a terminal `columns` wide.
    pub fn start_sized(kind: ShellKind, setup: &str, columns: u16) -> Shell {
        let dir = tempfile::tempdir().expect("temp dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin dir");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ectl"), bin.join("ectl"))
            .expect("link ectl");
        let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display());
        let program = match kind {
            ShellKind::Bash => "bash --norc --noprofile",
            ShellKind::Zsh => "zsh -f",
        };
        let shell = Shell { dir };
        let home = shell.dir.path().display().to_string();
        let status = shell
            .tmux()
            .args(["new-session", "-d", "-x", &columns.to_string(), "-y", "40"])
            .args(["env", "-i"])
            .args([format!("PATH={path}"), format!("HOME={home}")])
            .args(["TERM=xterm-256color", "LANG=C.UTF-8", "sh", "-c"])
            .arg(format!("exec {program}"))
            .status()
            .expect("tmux runs (apt-get install tmux)");
        assert!(status.success(), "tmux new-session failed");
        let prompt = match kind {
            ShellKind::Bash => format!("PS1='{PROMPT}'"),
            ShellKind::Zsh => {
                format!("PS1='{PROMPT}'; autoload -Uz compinit; compinit -u -D")
            }
        };
        shell.send_line(&format!("{prompt}; {setup}; clear"));
        shell.wait_for(
            |screen| screen.trim_end() == PROMPT.trim_end(),
            "a clean prompt",
        );
        shell
    }

    /// The shell's `$HOME`, a scratch directory that lives as long as the shell.
    pub fn home(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The directory on the shell's PATH that holds `ectl`.
    pub fn bin_dir(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S")
            .arg(self.dir.path().join("tmux.sock"))
            .env_remove("TMUX")
            .stdin(Stdio::null());
        cmd
    }

    fn send(&self, args: &[&str]) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", "0"])
            .args(args)
            .status()
            .expect("tmux send-keys");
        assert!(status.success(), "tmux send-keys {args:?}");
    }

    /// Types `text` literally, without pressing Enter.
    pub fn type_text(&self, text: &str) {
        self.send(&["-l", text]);
    }

    /// Types `line` and presses Enter.
    pub fn send_line(&self, line: &str) {
        self.type_text(line);
        self.send(&["Enter"]);
    }

    /// The visible screen, trailing blank lines left out.
    pub fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "0"])
            .output()
            .expect("tmux capture-pane");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        format!("{}\n", text.trim_end())
    }

    /// Waits (up to 20 s) until `done` holds for the screen, then returns it.
    pub fn wait_for(&self, done: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "no {what} on screen:\n{screen}");
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen has not changed for half a second, and returns it.
    pub fn settled(&self) -> String {
        let mut last = self.screen();
        let mut since = Instant::now();
        let deadline = Instant::now() + Duration::from_secs(20);
        while since.elapsed() < Duration::from_millis(500) {
            assert!(Instant::now() < deadline, "screen never settled:\n{last}");
            thread::sleep(Duration::from_millis(50));
            let now = self.screen();
            if now != last {
                last = now;
                since = Instant::now();
            }
        }
        last
    }

    /// Types `text`, presses Tab once, and returns the command line as the shell then shows
    /// it (without the prompt); the line is then erased (Ctrl-U) and the screen cleared (Ctrl-L).
    pub fn complete(&self, text: &str) -> String {
        self.type_text(text);
        self.wait_for(|s| s.contains(text.trim_end()), "typed text");
        self.send(&["Tab"]);
        let screen = self.settled();
        let line = screen
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(PROMPT))
            .unwrap_or_default()
            .to_string();
        self.send(&["C-e", "C-u", "C-l"]);
        self.wait_for(|s| s.trim_end() == PROMPT.trim_end(), "a clean prompt");
        line
    }

    /// Runs `command` and returns everything the terminal showed from the command line on,
    /// once the next prompt appears (long output included: the scrollback is read too).
    pub fn run(&self, command: &str) -> String {
        self.type_text(command);
        self.wait_for(|s| s.contains(command), "the command typed");
        self.send(&["Enter"]);
        self.wait_for(
            |s| {
                let last = s.trim_end().lines().last().unwrap_or_default();
                last == PROMPT.trim_end() && !s.trim_end().ends_with(command)
            },
            "the next prompt",
        );
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-J", "-S", "-", "-t", "0"])
            .output()
            .expect("tmux capture-pane");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        self.send_line("clear");
        self.wait_for(|s| s.trim_end() == PROMPT.trim_end(), "a clean prompt");
        let start = text.rfind(&format!("{PROMPT}{command}")).unwrap_or(0);
        format!("{}\n", text[start..].trim_end())
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

/// What a terminal receives, byte for byte (escape codes, redrawn bars and all), while
/// `command` runs in a pseudo-terminal made by util-linux `script`; and its exit code.
pub fn transcript(command: &str) -> (String, i32) {
    let out = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm-256color")
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` runs (apt-get install bsdutils)");
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    (text, out.status.code().unwrap_or(-1))
}
