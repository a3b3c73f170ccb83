//! The terminal layer: the only code besides `main` that touches the real stdout and stderr. It owns the side channel of warnings, the
//! password and y/N prompts, the progress bars, and the question "is this a terminal?", so a
//! command writes its output to `ctx.out` and asks this layer for everything else. Clippy's
//! `disallowed-methods` (clippy.toml) holds everyone else to it.

// The one module allowed to name the process's own streams.
#![allow(clippy::disallowed_methods)]

pub mod progress;
pub mod prompt;

use std::io::{IsTerminal, Write};

/// A line on stderr beside the command's output, for what etcdctl reports there and goes on
/// (one endpoint of several failed, a watch was canceled) and for what only a person at a
/// terminal is shown (`snapshot save`'s summary). Errors that end a command go back to `main`
/// instead.
pub fn warn(message: impl std::fmt::Display) {
    // Nothing useful is left to do when stderr itself is gone.
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// `line` and a newline on stderr, as bytes (`watch -i` echoes a bad request line, which need
/// not be UTF-8); unlike [`warn`], a failed write is the caller's error.
pub fn warn_bytes(line: &[u8]) -> std::io::Result<()> {
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(line)?;
    stderr.write_all(b"\n")
}

/// `text` on stderr as it is (already newline-terminated): the `--print-curl` and `--debug`
/// traces, which must not fail the command when stderr is gone.
pub fn trace(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Where `--debug`'s `tracing` lines go: stderr, for the subscriber to write to itself.
pub fn trace_writer() -> std::io::Stderr {
    std::io::stderr()
}

/// Whether stdin is a terminal (a person can be asked; a value is not being piped in).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Whether stdout is a terminal: ectl's own reports choose their layout by it.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Whether stderr is a terminal: progress is drawn only there.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The width of the terminal stdout is, in columns; `None` when stdout is not a terminal.
pub fn stdout_width() -> Option<u16> {
    use std::os::fd::AsRawFd;
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which points to one.
    let answered =
        unsafe { libc::ioctl(std::io::stdout().as_raw_fd(), libc::TIOCGWINSZ, &mut size) };
    (answered == 0 && size.ws_col > 0).then_some(size.ws_col)
}
