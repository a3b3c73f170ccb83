//! Questions asked at the terminal: the password prompts etcdctl asks (`--user` without a
//! password, `user add`, `user passwd`, make-mirror's `--dest-user`, and v2's user commands),
//! and ectl's y/N confirmation (`del --confirm`).

use std::io::{BufRead, Write};

use crate::error::CliError;

/// A password from stdin: from a terminal without echo, otherwise its first line, so scripts
/// can pipe a password in.
pub fn read_password() -> Result<String, CliError> {
    let _hidden = hide_typing()?;
    read_line()
}

/// etcdctl's password prompt (speakeasy's `Ask`): the prompt goes to stdout even when stdout or
/// stdin is not a terminal, the answer is read as [`read_password`] reads it, and a newline on
/// stdout ends the prompt line, so `echo pw | ectl --user root get k` prints `Password: ` and a
/// newline before the result, as etcdctl does. `out` is the command's stdout, so the prompt
/// comes after whatever was printed before it.
pub fn ask_password(out: &mut dyn Write, prompt: &str) -> Result<String, CliError> {
    // Echo goes off before the prompt shows, so nothing typed after it can be seen.
    let hidden = hide_typing()?;
    // A closed stdout must not stop the question from being answered.
    let _ = write!(out, "{prompt}").and_then(|()| out.flush());
    let answer = read_line();
    drop(hidden);
    let _ = writeln!(out).and_then(|()| out.flush());
    answer
}

/// Asks `question [y/N] ` on stderr and reads the answer from stdin; only a yes is a yes.
pub fn confirm(question: &str) -> std::io::Result<bool> {
    let mut stderr = std::io::stderr();
    write!(stderr, "{question} [y/N] ")?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

fn read_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::error(format!("reading password: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// While alive, a terminal on stdin echoes nothing typed, not even the newline, as speakeasy's
/// `stty -echo` on stdin leaves it: the prompt's newline is the one [`ask_password`] prints.
struct Hidden(libc::termios);

/// Echo off when stdin is a terminal; `None` otherwise.
fn hide_typing() -> Result<Option<Hidden>, CliError> {
    if !super::stdin_is_terminal() {
        return Ok(None);
    }
    let failed = |e: std::io::Error| CliError::error(format!("reading password: {e}"));
    // SAFETY: tcgetattr fills the termios struct it is given; a zeroed one is a valid start.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `saved` is a valid termios for the call to fill.
    if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut saved) } != 0 {
        return Err(failed(std::io::Error::last_os_error()));
    }
    let mut hidden = saved;
    hidden.c_lflag &= !(libc::ECHO | libc::ECHONL);
    // SAFETY: attributes read from the same terminal, two flags changed.
    if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &hidden) } != 0 {
        return Err(failed(std::io::Error::last_os_error()));
    }
    Ok(Some(Hidden(saved)))
}

impl Drop for Hidden {
    fn drop(&mut self) {
        // SAFETY: restoring the attributes read in `hide_typing`.
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.0) };
    }
}
