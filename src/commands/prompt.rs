//! Terminal prompts: the password questions etcdctl asks (`--user` without a password,
//! `user add`, `user passwd`).

use std::io::{BufRead, IsTerminal, Write};

use crate::error::CliError;

/// Asks on the terminal without echo; without a terminal, takes the first line of stdin so
/// scripts can pipe a password in.
pub fn read_password(prompt: &str) -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map_err(|e| CliError::error(format!("reading password: {e}")));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::error(format!("reading password from stdin: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// etcdctl's password prompt (speakeasy's `Ask`): the prompt goes to stdout even when stdout or
/// stdin is not a terminal, the answer is read without echo, and a newline ends the prompt line,
/// so `echo pw | ectl --user root get k` prints `Password: ` and a newline before the result, as
/// etcdctl does.
pub fn ask_password(prompt: &str) -> Result<String, CliError> {
    let mut stdout = std::io::stdout();
    // A closed stdout must not stop the question from being answered.
    let _ = write!(stdout, "{prompt}").and_then(|()| stdout.flush());
    let answer = if std::io::stdin().is_terminal() {
        // The terminal echoes the newline itself (rpassword keeps ECHONL on).
        return rpassword::read_password()
            .map_err(|e| CliError::error(format!("reading password: {e}")));
    } else {
        read_password("")
    };
    let _ = writeln!(stdout).and_then(|()| stdout.flush());
    answer
}
