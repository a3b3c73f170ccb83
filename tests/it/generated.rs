//! completions/ and man/ are generated from the clap definitions. These tests fail when the
//! committed files are stale; `scripts/gen` (ECTL_UPDATE_GENERATED=1) rewrites them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap_complete::Shell;
use ectl::commands::completion::write_live_script;
use ectl::error::ExitCode;
use roff::{Roff, bold, roman};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every generated file, by path relative to the repository root.
fn generated() -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for (shell, name) in [
        (Shell::Bash, "ectl.bash"),
        (Shell::Zsh, "_ectl"),
        (Shell::Fish, "ectl.fish"),
    ] {
        let mut script = Vec::new();
        write_live_script(shell, &mut script).expect("a live script");
        files.insert(Path::new("completions").join(name), script);
    }
    let mut root = ectl::commands::command().disable_help_subcommand(true);
    root.build();
    man_pages(&root, None, &mut files);
    files
}

/// The page of `cmd` and of each of its visible subcommands: clap_mangen's sections, the
/// description without its examples, then EXAMPLES, EXIT STATUS, ENVIRONMENT and SEE ALSO.
fn man_pages(
    cmd: &clap::Command,
    parent: Option<&clap::Command>,
    files: &mut BTreeMap<PathBuf, Vec<u8>>,
) {
    let subs: Vec<&clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    for sub in &subs {
        man_pages(sub, Some(cmd), files);
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page).expect("render");
    man.render_name_section(&mut page).expect("render");
    man.render_synopsis_section(&mut page).expect("render");
    let long = cmd
        .get_long_about()
        .or_else(|| cmd.get_about())
        .map(|a| a.to_string());
    let long = long.unwrap_or_default();
    let (description, examples) = split_examples(&long);
    let mut roff = Roff::new();
    roff.control("SH", ["DESCRIPTION"]);
    for paragraph in description.split("\n\n") {
        roff.control("PP", []);
        if paragraph.starts_with(' ') {
            roff.control("nf", [])
                .text([roman(paragraph)])
                .control("fi", []);
        } else {
            roff.text([roman(paragraph.replace('\n', " "))]);
        }
    }
    page.extend(roff.render().into_bytes());
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut page).expect("render");
    }
    if !subs.is_empty() {
        man.render_subcommands_section(&mut page).expect("render");
    }
    let mut roff = Roff::new();
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        roff.control("nf", [])
            .text([roman(examples)])
            .control("fi", []);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in ExitCode::MEANINGS {
        roff.control("TP", [])
            .text([bold(code.to_string())])
            .text([roman(meaning)]);
    }
    let twins: Vec<(&str, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .filter_map(|a| Some((a.get_env()?.to_str()?, a.get_long()?.to_string())))
        .collect();
    if !twins.is_empty() {
        roff.control("SH", ["ENVIRONMENT"]);
        roff.text([roman(
            "Each variable sets its flag when the flag is not given; an empty value or one the \
             flag would reject is ignored, as etcdctl ignores it.",
        )]);
        for (var, long) in twins {
            roff.control("TP", [])
                .text([bold(var)])
                .text([roman(format!("the default of --{long}"))]);
        }
    }
    let name = |c: &clap::Command| c.get_display_name().unwrap_or(c.get_name()).to_string();
    let mut related: Vec<String> = parent.map(name).into_iter().collect();
    if let Some(parent) = parent {
        related.extend(
            parent
                .get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != cmd.get_name())
                .map(name),
        );
    }
    related.extend(subs.iter().copied().map(name));
    related.push("ectl".into());
    related.sort();
    related.dedup();
    related.retain(|r| *r != name(cmd));
    roff.control("SH", ["SEE ALSO"]);
    let list: Vec<String> = related.iter().map(|r| format!("{r}(1)")).collect();
    roff.text([roman(list.join(", "))]);
    page.extend(roff.render().into_bytes());
    if parent.is_none() {
        man.render_version_section(&mut page).expect("render");
    }
    files.insert(Path::new("man").join(man.get_filename()), page);
}

/// The help text before its `Example:`/`Examples:` line, and the (dedented) lines after it.
fn split_examples(text: &str) -> (String, String) {
    let mut lines = text.lines();
    let description: Vec<&str> = lines
        .by_ref()
        .take_while(|l| !matches!(l.trim(), "Example:" | "Examples:"))
        .collect();
    let examples: Vec<&str> = lines.map(|l| l.strip_prefix("  ").unwrap_or(l)).collect();
    let description = description.join("\n").trim().to_string();
    (description, examples.join("\n").trim_end().to_string())
}

fn committed(dir: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .map(|entries| {
            entries
                .map(|e| Path::new(dir).join(e.expect("entry").file_name()))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[test]
fn completions_and_man_pages_are_up_to_date() {
    let files = generated();
    if std::env::var_os("ECTL_UPDATE_GENERATED").is_some() {
        for dir in ["completions", "man"] {
            let _ = fs::remove_dir_all(root().join(dir));
            fs::create_dir_all(root().join(dir)).expect("create dir");
        }
        for (path, bytes) in &files {
            fs::write(root().join(path), bytes).expect("write generated file");
        }
        return;
    }
    let mut stale = Vec::new();
    for (path, bytes) in &files {
        if fs::read(root().join(path)).ok().as_ref() != Some(bytes) {
            stale.push(path.display().to_string());
        }
    }
    for path in committed("completions").into_iter().chain(committed("man")) {
        if !files.contains_key(&path) {
            stale.push(format!("{} (no longer generated)", path.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run scripts/gen and commit): {stale:?}"
    );
}

/// The sections a reader looks for are on every page, positionals are written as etcdctl
/// writes them, and no empty default is shown.
#[test]
fn man_pages_have_exit_status_environment_see_also_and_examples() {
    let files = generated();
    let page = |name: &str| {
        let bytes = &files[&Path::new("man").join(name)];
        String::from_utf8(bytes.clone()).expect("UTF-8 page")
    };
    for (path, bytes) in &files {
        if !path.starts_with("man") {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        for section in [".SH \"EXIT STATUS\"", ".SH \"SEE ALSO\"", ".SH ENVIRONMENT"] {
            assert!(text.contains(section), "{}: no {section}", path.display());
        }
        assert!(
            !text.contains("[default: ]"),
            "{}: an empty default",
            path.display()
        );
    }
    let get = page("ectl-get.1");
    assert!(get.contains("<key> [range_end]"), "{get}");
    assert!(
        get.contains(".SH EXAMPLES") && get.contains("ectl get \\-\\-prefix /registry"),
        "{get}"
    );
    assert!(get.contains(".SH \"GLOBAL OPTIONS\""), "{get}");
    assert!(
        get.contains("ETCDCTL_ENDPOINTS") && get.contains("\\fB128\\fR"),
        "{get}"
    );
    let grant = page("ectl-lease-grant.1");
    assert!(
        grant.contains("ectl\\-lease\\-revoke(1)") && grant.contains("ectl\\-lease(1)"),
        "{grant}"
    );
    assert!(
        !page("ectl.1").contains("ectl(1)"),
        "the main page lists itself"
    );
}

#[test]
fn every_man_page_renders_without_warnings() {
    let pages = committed("man");
    assert!(pages.len() > 5, "man/ holds too few pages: {pages:?}");
    for page in pages {
        let out = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(root().join(&page))
            .output()
            .expect("groff runs (Debian package groff-base; scripts/test installs it)");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Completes `words` (the last one being completed) with the committed bash script, which
/// calls `ectl` from PATH.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = root().join("completions/ectl.bash");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ectl"))
        .parent()
        .expect("the binary's directory");
    let words_array = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let program = format!(
        "source '{}'; COMP_WORDS=({words_array}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
         _ectl_complete ectl '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .env("PATH", path)
        .env("XDG_CONFIG_HOME", "/nonexistent/ectl-tests")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_commands_and_flags() {
    assert_eq!(bash_complete(&["ectl", "ge"]), ["get"]);
    assert_eq!(bash_complete(&["ectl", "get", "--wr"]), ["--write-out"]);
    assert_eq!(
        bash_complete(&["ectl", "get", "-w", ""]),
        ["fields", "json", "protobuf", "simple", "table"]
    );
    assert_eq!(
        bash_complete(&["ectl", "get", "--consistency", ""]),
        ["l", "s"]
    );
    assert_eq!(
        bash_complete(&["ectl", "get", "--sort-by", "V"]),
        ["VALUE", "VERSION"]
    );
}
