//! Named contexts (ectl only): `$XDG_CONFIG_HOME/ectl/config.toml` (else
//! `~/.config/ectl/config.toml`) holds endpoints, TLS files, a user name and timeouts per
//! context; `--context NAME`, `ECTL_CONTEXT` or the file's `current-context` picks one.
//!
//! A context only fills in what neither a flag nor an `ETCDCTL_*` variable set, so every
//! etcdctl script behaves as before: flag > environment > context > default. A context never
//! holds a password (the prompt or `ETCDCTL_PASSWORD` supplies it); a file with one is refused.
//! The file is read with serde + toml and rewritten with toml_edit, keeping its comments.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::cli::values::go_duration;
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
    /// Only here to be refused with a clear message.
    password: Option<toml::Value>,
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
        let has_password =
            context.password.is_some() || context.user.as_deref().is_some_and(|u| u.contains(':'));
        if has_password {
            return Err(CliError::bad_args(format!(
                "{}: context {name:?} holds a password; contexts never do: remove it and use \
                 the prompt or ETCDCTL_PASSWORD",
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
            ))),
            None => Ok(()),
        };
    };
    let Some(name) = wanted.or(config.current_context.clone()) else {
        return Ok(());
    };
    let context = config
        .contexts
        .get(&name)
        .ok_or_else(|| CliError::bad_args(format!("no context {name:?} in {}", path.display())))?;
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
            *target = duration(field, v)?;
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

/// Sets `current-context` in the file, keeping everything else (comments included) as it is.
pub fn set_current(path: &Path, name: &str) -> Result<(), CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::error(format!("{}: {e}", path.display())))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        CliError::bad_args(format!("{}: {e}", path.display()))
    })?;
    doc["current-context"] = toml_edit::value(name);
    std::fs::write(path, doc.to_string())
        .map_err(|e| CliError::error(format!("{}: {e}", path.display())))
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
            assert!(load(&file).is_err(), "{text}");
        }
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
}
