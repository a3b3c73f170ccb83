//! Holds the module import graph to its layers, read from the source tree itself: the top-level
//! modules import each other without a circle (v2 and the shared layers never reach back into
//! `commands`), so do the modules inside each folder, and nothing under the command registry imports from the registry (`commands/
//! mod.rs`) except the parse tree built from it. Test modules are left out: a test may use
//! whatever it checks against.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, depth first.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|entry| entry.expect("src/ is readable").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The code of a file without its comments and its test module.
fn code(text: &str) -> String {
    let mut kept = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed == "#[cfg(test)]"
            && lines.peek().is_some_and(|next| {
                next.trim_start()
                    .trim_start_matches("pub(crate) ")
                    .starts_with("mod ")
            })
        {
            break;
        }
        if !trimmed.starts_with("//") {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

/// The names that follow `prefix` in `code`, each name of a `{...}` group too (`crate::` gives
/// the top-level modules a file uses).
fn names_after(code: &str, prefix: &str) -> Vec<String> {
    let ident = |text: &str| -> String {
        text.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        let Some(group) = rest.strip_prefix('{') else {
            names.push(ident(rest));
            continue;
        };
        let mut depth = 0;
        let mut item_start = true;
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => item_start = true,
                c if c.is_whitespace() => {}
                _ if item_start => {
                    names.push(ident(&group[i..]));
                    item_start = false;
                }
                _ => {}
            }
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

struct Tree {
    src: PathBuf,
    /// Each file's path under src/ and its code.
    files: Vec<(PathBuf, String)>,
}

impl Tree {
    fn read() -> Tree {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut paths = Vec::new();
        sources(&src, &mut paths);
        let files = paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("a source file is readable");
                (
                    path.strip_prefix(&src).expect("under src/").to_path_buf(),
                    code(&text),
                )
            })
            .collect();
        Tree { src, files }
    }

    /// Which top-level modules each top-level module uses (the crate roots, main.rs and
    /// lib.rs, are above every module and left out).
    fn top_level_graph(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, code) in &self.files {
            let first = path.components().next().expect("a path under src/");
            let top = first.as_os_str().to_string_lossy();
            let top = top.trim_end_matches(".rs").to_string();
            if ["main", "lib", "import_graph"].contains(&top.as_str()) {
                continue;
            }
            let uses = graph.entry(top.clone()).or_default();
            uses.extend(
                names_after(code, "crate::")
                    .into_iter()
                    .filter(|name| *name != top),
            );
        }
        graph
    }

    /// Which of `folder`'s children (its files and subfolders, not its `mod.rs`) each child
    /// uses, by `crate::` paths from anywhere inside the child, or `super::` from the child's
    /// own file.
    fn sibling_graph(&self, folder: &Path) -> BTreeMap<String, BTreeSet<String>> {
        let module_path = folder
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("::");
        let crate_prefix = format!("crate::{module_path}::");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, code) in &self.files {
            let Ok(inside) = path.strip_prefix(folder) else {
                continue;
            };
            if inside == Path::new("mod.rs") {
                continue;
            }
            let child = inside
                .components()
                .next()
                .expect("a path inside the folder");
            let child = child.as_os_str().to_string_lossy();
            let child = child.trim_end_matches(".rs").to_string();
            let own_file = inside.components().count() == 1
                || inside.ends_with(Path::new(&child).join("mod.rs"));
            let mut names = names_after(code, &crate_prefix);
            if own_file {
                names.extend(names_after(code, "super::"));
            }
            let is_child = |name: &String| {
                self.src.join(folder).join(format!("{name}.rs")).is_file()
                    || self.src.join(folder).join(name).is_dir()
            };
            let uses = graph.entry(child.clone()).or_default();
            uses.extend(
                names
                    .into_iter()
                    .filter(|name| *name != child && is_child(name)),
            );
        }
        graph
    }

    /// Every folder under src/ that holds modules.
    fn folders(&self) -> BTreeSet<PathBuf> {
        self.files
            .iter()
            .filter_map(|(path, _)| path.parent())
            .filter(|parent| !parent.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .collect()
    }
}

/// A circle in `graph`, as the path that closes it, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_top_level_modules_import_each_other_without_a_circle() {
    let graph = Tree::read().top_level_graph();
    assert!(graph["v2"].contains("term"), "the graph is read: {graph:?}");
    if let Some(found) = circle(&graph) {
        panic!(
            "modules import each other in a circle: {}",
            found.join(" -> ")
        );
    }
}

#[test]
fn the_modules_of_each_folder_import_each_other_without_a_circle() {
    let tree = Tree::read();
    let commands = tree.sibling_graph(Path::new("commands"));
    assert!(
        commands["bulk"].contains("process"),
        "the graph is read: {commands:?}"
    );
    for folder in tree.folders() {
        if let Some(found) = circle(&tree.sibling_graph(&folder)) {
            panic!(
                "modules in {} import each other in a circle: {}",
                folder.display(),
                found.join(" -> ")
            );
        }
    }
}

#[test]
fn nothing_under_the_registry_imports_from_it_but_the_parse_tree() {
    let tree = Tree::read();
    let commands = tree.src.join("commands");
    let submodule =
        |name: &str| commands.join(format!("{name}.rs")).is_file() || commands.join(name).is_dir();
    let mut upward = Vec::new();
    for (path, code) in &tree.files {
        // `app` picks the API tree, above the registry; `tree` is built from it.
        let above = [
            "app.rs",
            "import_graph.rs",
            "commands/mod.rs",
            "commands/tree.rs",
        ];
        if above.iter().any(|name| path == Path::new(name)) {
            continue;
        }
        // `super` is the registry in commands/x.rs and commands/x/mod.rs.
        let depth = path.components().count();
        let child = path.starts_with("commands")
            && (depth == 2 || (depth == 3 && path.ends_with("mod.rs")));
        let mut registry_items = names_after(code, "crate::commands::");
        if child {
            registry_items.extend(names_after(code, "super::"));
        }
        upward.extend(
            registry_items
                .into_iter()
                .filter(|name| !submodule(name) && name != "super")
                .map(|name| format!("{}: {name}", path.display())),
        );
    }
    assert!(
        upward.is_empty(),
        "imports from commands/mod.rs: {upward:?}"
    );
}

#[test]
fn a_circle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(node, uses)| {
        let uses = uses.into_iter().map(str::to_string).collect();
        (node.to_string(), uses)
    })
    .collect();
    assert_eq!(circle(&graph).unwrap(), ["a", "b", "c", "a"]);
    let mut broken = graph.clone();
    broken.get_mut("c").unwrap().clear();
    assert_eq!(circle(&broken), None);
}
