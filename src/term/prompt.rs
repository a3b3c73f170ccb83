//! Questions asked at the terminal: the password prompts etcdctl asks (`--user` without a
//! password, `user add`, `user passwd`, make-mirror's `--dest-user`, and v2's user commands),
//! and ectl's y/N confirmation (`del --confirm`).

use std::io::{BufRead, ErrorKind, Write};

use crate::error::CliError;

/// A password from stdin: from a terminal without echo, otherwise its first line, so scripts
/// can pipe a password in.
pub fn read_password() -> Result<String, CliError> {
    if super::stdin_is_terminal() {
        read_hidden()
    } else {
        read_line()
    }
}

/// etcdctl's password prompt (speakeasy's `Ask`): the prompt goes to stdout even when stdout or
/// stdin is not a terminal, the answer is read as [`read_password`] reads it, and a newline on
/// stdout ends the prompt line, so `echo pw | ectl --user root get k` prints `Password: ` and a
/// newline before the result, as etcdctl does. `out` is the command's stdout, so the prompt
/// comes after whatever was printed before it.
pub fn ask_password(out: &mut dyn Write, prompt: &str) -> Result<String, CliError> {
    // A closed stdout must not stop the question from being answered.
    let _ = write!(out, "{prompt}").and_then(|()| out.flush());
    let answer = read_password();
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
        .map_err(failed)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A line typed at the terminal on stdin (not the controlling terminal: etcdctl reads stdin),
/// echoing nothing, not even the newline, as speakeasy's `stty -echo` leaves it: the prompt's
/// newline is the one [`ask_password`] prints, so rpassword's own output is discarded. Ctrl-D
/// on an empty line is an empty answer, as end of input is for a line read in canonical mode.
fn read_hidden() -> Result<String, CliError> {
    let config = rpassword::ConfigBuilder::new()
        .input_file_path("/dev/stdin")
        .output_discard()
        .build();
    match rpassword::read_password_with_config(config) {
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(String::new()),
        answer => answer.map_err(failed),
    }
}

fn failed(e: std::io::Error) -> CliError {
    CliError::error(format!("reading password: {e}"))
}
