//! completions/ and man/ are generated from the clap definitions. These tests fail when the
//! committed files are stale; `scripts/gen` (ECTL_UPDATE_GENERATED=1) rewrites them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap_complete::Shell;
use ectl::commands::completion::write_script;

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
        write_script(shell, &mut script);
        files.insert(Path::new("completions").join(name), script);
    }
    let pages = tempfile::tempdir().expect("temp dir");
    clap_mangen::generate_to(ectl::commands::command(), pages.path()).expect("render man pages");
    for entry in fs::read_dir(pages.path()).expect("read pages") {
        let entry = entry.expect("page");
        let page = fs::read(entry.path()).expect("read page");
        files.insert(Path::new("man").join(entry.file_name()), page);
    }
    files
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

/// Completes `words` (the last one being completed) with the committed bash script.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = root().join("completions/ectl.bash");
    let words_array = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let program = format!(
        "source '{}'; COMP_WORDS=({words_array}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
         _ectl ectl '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len().saturating_sub(2)],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
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
