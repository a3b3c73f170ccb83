//! What a person at a real bash or zsh prompt (tmux) sees: a command's help with its own
//! options before the global ones, and the password prompt that asks without echoing.

use crate::support::Etcd;
use crate::support::pty::{PROMPT, Shell, ShellKind};

fn help_reads_as_etcdctls(kind: ShellKind) {
    let shell = Shell::start(kind, "true");
    let shown = shell.run("ectl get -h");
    assert!(
        shown.contains("Usage: ectl get [OPTIONS] <key> [range_end]\n"),
        "{kind:?}: {shown}"
    );
    let own = shown.find("\nOptions:\n").expect("an Options heading");
    let global = shown
        .find("\nGlobal Options:\n")
        .expect("a Global Options heading");
    let at = |flag: &str| {
        shown
            .find(flag)
            .unwrap_or_else(|| panic!("{flag}: {shown}"))
    };
    assert!(
        own < at("--prefix") && at("--prefix") < global,
        "{kind:?}: {shown}"
    );
    assert!(
        global < at("--endpoints") && global < at("--user <USER>"),
        "{kind:?}: {shown}"
    );
    assert!(!shown.contains("[default: \"\"]"), "{kind:?}: {shown}");
    assert!(!shown.contains("Arguments:"), "{kind:?}: {shown}");

    let shown = shell.run("ectl --help");
    assert!(
        shown.contains("`ectl --version` prints"),
        "{kind:?}: {shown}"
    );
    let shown = shell.run("ectl --version");
    assert!(
        shown.contains(&format!("ectl {}\n", env!("CARGO_PKG_VERSION"))),
        "{shown}"
    );
    // A global flag after the command still parses.
    let shown =
        shell.run("ectl lease grant --endpoints=127.0.0.1:1 --dial-timeout=100ms 5; echo rc=$?");
    assert!(
        shown.contains("127.0.0.1:1") && shown.contains("rc=2"),
        "{kind:?}: {shown}"
    );
}

#[test]
fn help_at_a_bash_prompt() {
    help_reads_as_etcdctls(ShellKind::Bash);
}

#[test]
fn help_at_a_zsh_prompt() {
    help_reads_as_etcdctls(ShellKind::Zsh);
}

fn password_prompt_hides_what_is_typed(kind: ShellKind) {
    const PASSWORD: &str = "s3cret-typed";
    let etcd = Etcd::single();
    etcd.enable_auth(PASSWORD);
    let shell = Shell::start(kind, "true");
    let command = format!(
        "ectl --endpoints={} --user root user get root",
        etcd.endpoint()
    );
    shell.send_line(&command);
    shell.wait_for(
        |s| s.trim_end().ends_with("Password:"),
        "the password prompt",
    );
    shell.send_line(PASSWORD);
    let shown = shell.wait_for(
        |s| s.trim_end().lines().last() == Some(PROMPT.trim_end()) && s.contains("Roles:"),
        "the user and the next prompt",
    );
    // (tmux shows the prompt's trailing space as nothing.)
    assert!(
        shown.contains("Password:\nUser: root\nRoles: root\n"),
        "{kind:?}: {shown}"
    );
    assert!(
        !shown.contains(PASSWORD),
        "{kind:?}: the password was echoed: {shown}"
    );
}

#[test]
fn password_prompt_at_a_bash_prompt() {
    password_prompt_hides_what_is_typed(ShellKind::Bash);
}

#[test]
fn password_prompt_at_a_zsh_prompt() {
    password_prompt_hides_what_is_typed(ShellKind::Zsh);
}
