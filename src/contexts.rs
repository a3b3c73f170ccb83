//! Named contexts (ectl only): `$XDG_CONFIG_HOME/ectl/config.toml` (else
//! `~/.config/ectl/config.toml`) holds endpoints, TLS files, a user name and timeouts per
//! context; `--context NAME`, `ECTL_CONTEXT` or the file's `current-context` picks one.
//!
//! A context only fills in what neither a flag nor an `ETCDCTL_*` variable set, so every
//! etcdctl script behaves as before: flag > environment > context > default. A context holds a
//! password only when `context add --save-password` put it there, in a file only its owner may
//! read (mode 0600); a password in a file others may read is refused.
//! The file is read with serde + toml and rewritten with toml_edit, keeping its comments and
//! order, through a temporary file renamed over it.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::cli::values::{GoDuration, go_duration};
use crate::error::CliError;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    pub current_context: Option<String>,
    #[serde(default)]
    pub contexts: BTreeMap<String, Context>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Context {
    pub endpoints: Option<Vec<String>>,
    pub cacert: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    pub user: Option<String>,
    pub dial_timeout: Option<String>,
    pub command_timeout: Option<String>,
    pub insecure_transport: Option<bool>,
    pub insecure_skip_tls_verify: Option<bool>,
    /// Only with `context add --save-password`, in a file of mode 0600.
    pub password: Option<String>,
}

/// The config file's path from the environment (`env` is the process's outside tests).
pub fn path(env: &dyn Fn(&OsStr) -> Option<OsString>) -> Option<PathBuf> {
    let base = env(OsStr::new("XDG_CONFIG_HOME"))
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| env(OsStr::new("HOME")).map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("ectl").join("config.toml"))
}

/// The file's contexts; `None` when there is no file.
pub fn load(path: &Path) -> Result<Option<Config>, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::error(format!("{}: {e}", path.display()))),
    };
    let config: Config = toml::from_str(&text)
        .map_err(|e| CliError::bad_args(format!("{}: {}", path.display(), e.message())))?;
    for (name, context) in &config.contexts {
        if context.user.as_deref().is_some_and(|u| u.contains(':')) {
            return Err(CliError::bad_args(format!(
                "{}: context {name:?} holds a password in its user: keep the name there, and \
                 the password in `password` (ectl context add --save-password)",
                path.display()
            )));
        }
        if context.password.is_some() && readable_by_others(path) {
            return Err(CliError::bad_args(format!(
                "{}: context {name:?} holds a password, but others may read the file: \
                 chmod 600 it, or remove the password",
                path.display()
            )));
        }
    }
    Ok(Some(config))
}

/// Fills the global args that no flag or variable set (see `GlobalArgs::explicit`) from the
/// selected context:
/// `--context`/`ECTL_CONTEXT` (already in `args.context`), else the file's `current-context`.
pub fn apply(
    args: &mut GlobalArgs,
    env: &dyn Fn(&OsStr) -> Option<OsString>,
) -> Result<(), CliError> {
    let Some(path) = path(env) else {
        return Ok(());
    };
    let config = load(&path)?;
    let wanted = args.context.clone().filter(|c| !c.is_empty());
    let Some(config) = config else {
        return match wanted {
            Some(name) => Err(CliError::bad_args(format!(
                "context {name:?}: no config file at {}",
                path.display()
            ))
            .with_hint(Some(format!(
                "make it with `ectl context add {name} --endpoints=...`"
            )))),
            None => Ok(()),
        };
    };
    let Some(name) = wanted.or(config.current_context.clone()) else {
        return Ok(());
    };
    let context = config.contexts.get(&name).ok_or_else(|| {
        CliError::bad_args(format!("no context {name:?} in {}", path.display()))
            .with_hint(Some(known_names(&config)))
    })?;
    let explicit = std::mem::take(&mut args.explicit);
    let unset = |id: &str| !explicit.iter().any(|d| d == id);
    let duration = |field: &str, value: &str| {
        go_duration(value)
            .map_err(|e| CliError::bad_args(format!("context {name:?}: {field}: {e}")))
    };
    if let Some(v) = &context.endpoints
        && unset("endpoints")
    {
        args.endpoints = v.clone();
    }
    // A saved password belongs to the context's user: not to a user given otherwise.
    if context.password.is_some() && unset("user") && unset("password") {
        args.password = context.password.clone();
    }
    for (id, value, target) in [
        ("cacert", &context.cacert, &mut args.cacert),
        ("cert", &context.cert, &mut args.cert),
        ("key", &context.key, &mut args.key),
        ("user", &context.user, &mut args.user),
    ] {
        if value.is_some() && unset(id) {
            *target = value.clone();
        }
    }
    for (id, field, value, target) in [
        (
            "dial_timeout",
            "dial-timeout",
            &context.dial_timeout,
            &mut args.dial_timeout,
        ),
        (
            "command_timeout",
            "command-timeout",
            &context.command_timeout,
            &mut args.command_timeout,
        ),
    ] {
        if let Some(v) = value
            && unset(id)
        {
            *target = GoDuration(duration(field, v)?);
        }
    }
    for (id, value, target) in [
        (
            "insecure_transport",
            context.insecure_transport,
            &mut args.insecure_transport,
        ),
        (
            "insecure_skip_tls_verify",
            context.insecure_skip_tls_verify,
            &mut args.insecure_skip_tls_verify,
        ),
    ] {
        if let Some(v) = value
            && unset(id)
        {
            *target = v;
        }
    }
    args.explicit = explicit;
    Ok(())
}

/// Whether anyone but the owner may read `path`.
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

/// The file as an editable document: its text parsed by toml_edit, or an empty one when there
/// is no file yet.
fn document(path: &Path) -> Result<toml_edit::DocumentMut, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io_error("read", path, &e)),
    };
    text.parse().map_err(|e: toml_edit::TomlError| {
        CliError::bad_args(format!("{}: {}", path.display(), e.message()))
    })
}

fn io_error(op: &str, path: &Path, e: &std::io::Error) -> CliError {
    CliError::new(
        crate::error::ExitCode::Io,
        crate::go::path_error(op, path, e),
    )
}

/// Writes `doc` over `path` at once (a temporary file renamed over it), creating the directory:
/// mode 0600 when a context holds a password, else the file's mode as it was (0644 when new).
fn save(path: &Path, doc: &toml_edit::DocumentMut) -> Result<(), CliError> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_error("mkdir", dir, &e))?;
    let secret =
        contexts_of(doc).is_some_and(|t| t.iter().any(|(_, c)| c.get("password").is_some()));
    let mode = if secret {
        0o600
    } else {
        std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777)
    };
    let temp = dir.join(format!(".config.toml.{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temp)?;
        // The umask may have taken bits away; never more than `mode` either way.
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        file.write_all(doc.to_string().as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io_error("write", path, &e)
    })
}

fn contexts_of(doc: &toml_edit::DocumentMut) -> Option<&toml_edit::Table> {
    doc.get("contexts").and_then(toml_edit::Item::as_table)
}

/// The `[contexts]` table, made (implicit, so no empty header is written) when missing.
fn contexts_mut<'d>(
    doc: &'d mut toml_edit::DocumentMut,
    path: &Path,
) -> Result<&'d mut toml_edit::Table, CliError> {
    let item = doc.entry("contexts").or_insert_with(|| {
        let mut table = toml_edit::Table::new();
        table.set_implicit(true);
        toml_edit::Item::Table(table)
    });
    item.as_table_mut()
        .ok_or_else(|| CliError::bad_args(format!("{}: contexts is not a table", path.display())))
}

/// The error for a context the file does not have.
pub fn unknown(name: &str, path: &Path) -> CliError {
    let hint = load(path).ok().flatten().map(|config| known_names(&config));
    CliError::error(format!("no context {name:?} in {}", path.display())).with_hint(hint)
}

/// What to pick instead of a context the file does not have.
fn known_names(config: &Config) -> String {
    if config.contexts.is_empty() {
        return "the file has no contexts: add one with `ectl context add NAME --endpoints=...`"
            .into();
    }
    let names: Vec<&str> = config.contexts.keys().map(String::as_str).collect();
    format!("the contexts are: {}", names.join(", "))
}

/// Sets `current-context` in the file, keeping everything else (comments included) as it is.
pub fn set_current(path: &Path, name: &str) -> Result<(), CliError> {
    let mut doc = document(path)?;
    doc["current-context"] = toml_edit::value(name);
    save(path, &doc)
}

/// A context's settings as `context add` writes them: kebab-case keys, in the file's order.
pub type NewSettings = Vec<(&'static str, toml_edit::Value)>;

/// Adds context `name` with `settings` (kebab-case keys, as the file spells them), after the
/// contexts already there; an existing one is replaced in place only when `replace` says so.
pub fn add(path: &Path, name: &str, settings: NewSettings, replace: bool) -> Result<(), CliError> {
    let mut doc = document(path)?;
    let contexts = contexts_mut(&mut doc, path)?;
    if contexts.contains_key(name) && !replace {
        return Err(CliError::error(format!(
            "context {name:?} already exists in {}: pass --replace to overwrite it",
            path.display()
        )));
    }
    let mut table = toml_edit::Table::new();
    for (key, value) in settings {
        table.insert(key, toml_edit::Item::Value(value));
    }
    match contexts
        .get_mut(name)
        .and_then(toml_edit::Item::as_table_mut)
    {
        // Keep its place in the file and the comments above it.
        Some(existing) => {
            existing.clear();
            existing.extend(table);
        }
        None => {
            contexts.insert(name, toml_edit::Item::Table(table));
        }
    }
    save(path, &doc)
}

/// Removes context `name`; when it was the current one, the file has no current one after.
pub fn delete(path: &Path, name: &str) -> Result<(), CliError> {
    let mut doc = document(path)?;
    if contexts_mut(&mut doc, path)?.remove(name).is_none() {
        return Err(unknown(name, path));
    }
    if doc.get("current-context").and_then(toml_edit::Item::as_str) == Some(name) {
        // The comment above the line (often the file's own heading) moves to what comes next.
        let comment = doc
            .as_table()
            .key("current-context")
            .and_then(|k| k.leaf_decor().prefix())
            .and_then(|p| p.as_str())
            .unwrap_or_default()
            .to_string();
        doc.remove("current-context");
        let first = contexts_mut(&mut doc, path)?
            .iter_mut()
            .filter_map(|(_, item)| item.as_table_mut())
            .min_by_key(|t| t.position());
        if let Some(first) = first {
            let own = first
                .decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or_default()
                .trim_start_matches('\n')
                .to_string();
            first.decor_mut().set_prefix(format!("{comment}{own}"));
        }
    }
    save(path, &doc)
}

/// Renames context `old` to `new` where it stands, comments included; `current-context`
/// follows it.
pub fn rename(path: &Path, old: &str, new: &str) -> Result<(), CliError> {
    let mut doc = document(path)?;
    let contexts = contexts_mut(&mut doc, path)?;
    if !contexts.contains_key(old) {
        return Err(unknown(old, path));
    }
    if contexts.contains_key(new) {
        return Err(CliError::error(format!(
            "context {new:?} already exists in {}",
            path.display()
        )));
    }
    // toml_edit cannot rename a key: the entries go back in their order, one renamed. Each
    // sub-table keeps its position in the document and its comments.
    let entries: Vec<(String, toml_edit::Item)> = contexts
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    contexts.clear();
    for (key, item) in entries {
        let key = if key == old { new.to_string() } else { key };
        contexts.insert(&key, item);
    }
    if doc.get("current-context").and_then(toml_edit::Item::as_str) == Some(old) {
        doc["current-context"] = toml_edit::value(new);
    }
    save(path, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_follows_xdg_then_home() {
        let env = |name: &OsStr| match name.to_str()? {
            "XDG_CONFIG_HOME" => Some(OsString::from("/x")),
            "HOME" => Some(OsString::from("/h")),
            _ => None,
        };
        assert_eq!(path(&env), Some(PathBuf::from("/x/ectl/config.toml")));
        let env = |name: &OsStr| (name == "HOME").then(|| OsString::from("/h"));
        assert_eq!(
            path(&env),
            Some(PathBuf::from("/h/.config/ectl/config.toml"))
        );
    }

    #[test]
    fn the_parser_records_what_flags_and_variables_set() {
        // A global flag after the subcommand counts as the flag it is.
        let argv = [
            "ectl",
            "--endpoints=h:1",
            "endpoint",
            "status",
            "--cluster",
            "--dial-timeout=3s",
        ];
        let cli = crate::commands::tree::parse_from(argv, &|_| None).unwrap();
        let explicit = &cli.global.explicit;
        assert!(explicit.iter().any(|id| id == "endpoints"), "{explicit:?}");
        assert!(
            explicit.iter().any(|id| id == "dial_timeout"),
            "{explicit:?}"
        );
        assert!(
            !explicit.iter().any(|id| id == "command_timeout"),
            "{explicit:?}"
        );
    }

    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn passwords_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        for text in [
            "[contexts.a]\npassword = \"x\"\n",
            "[contexts.a]\nuser = \"root:x\"\n",
            "[contexts.a]\nendpoint = \"typo\"\n",
        ] {
            std::fs::write(&file, text).unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(load(&file).is_err(), "{text}");
        }
        // A password only its owner may read is the one `--save-password` saved.
        std::fs::write(&file, "[contexts.a]\npassword = \"x\"\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let config = load(&file).unwrap().unwrap();
        assert_eq!(config.contexts["a"].password.as_deref(), Some("x"));
        std::fs::write(
            &file,
            "# mine\ncurrent-context = \"a\"\n[contexts.a]\nuser = \"root\"\n",
        )
        .unwrap();
        let config = load(&file).unwrap().unwrap();
        assert_eq!(config.contexts["a"].user.as_deref(), Some("root"));
        set_current(&file, "b").unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "# mine\ncurrent-context = \"b\"\n[contexts.a]\nuser = \"root\"\n"
        );
    }

    #[test]
    fn add_rename_and_delete_keep_comments_order_and_modes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ectl/config.toml");
        let endpoints = |e: &str| {
            let mut array = toml_edit::Array::new();
            array.push(e);
            toml_edit::Value::Array(array)
        };
        add(&file, "a", vec![("endpoints", endpoints("h:1"))], false).unwrap();
        let mode = |f: &Path| std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o644);
        let text = format!(
            "# mine\ncurrent-context = \"a\"\n{}",
            std::fs::read_to_string(&file).unwrap()
        );
        std::fs::write(&file, text.replace("[contexts.a]", "# first\n[contexts.a]")).unwrap();
        add(&file, "b", vec![("user", "root".into())], false).unwrap();
        assert!(add(&file, "b", vec![], false).is_err());
        rename(&file, "a", "z").unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "# mine\ncurrent-context = \"z\"\n# first\n[contexts.z]\nendpoints = [\"h:1\"]\n\n\
             [contexts.b]\nuser = \"root\"\n"
        );
        add(&file, "b", vec![("password", "x".into())], true).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(
            load(&file).unwrap().unwrap().contexts["b"]
                .password
                .as_deref(),
            Some("x")
        );
        delete(&file, "z").unwrap();
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "# mine\n[contexts.b]\npassword = \"x\"\n"
        );
        assert!(delete(&file, "z").is_err());
        assert!(rename(&file, "nope", "y").is_err());
    }
}
