//! The argument rules of the urfave/cli build inside Debian's etcdctl 3.4.23, over Go's `flag`
//! package: flag tables, parsing (with urfave's re-ordering of a command's flags that follow its
//! positionals) and the help screens rendered from the same tables.
//!
//! The rules matched (probed on the binary, see the README's v2 section):
//! - global flags end at the first positional (the command name), as Go's `flag` does;
//! - a command's flags may follow its positionals: urfave moves every argument naming one of the
//!   command's flags, plus the argument after it when that one does not name a flag of the
//!   command, in front of the rest; `--` stops that and everything after it stays positional;
//! - `-x` and `--x` are the same flag, `-x=v` and `-x v` the same value, a bool flag never
//!   takes the next argument.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::cli::values::{go_bool, go_duration, go_parse_int};

/// What a flag holds, as urfave's flag types declare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Str,
    Int,
    Duration,
    Slice,
}

/// One flag: `names` as urfave writes them (`"output, o"`), its kind, help text and the default
/// the help shows.
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    pub names: &'static str,
    pub kind: Kind,
    pub usage: &'static str,
    pub default: &'static str,
}

impl Flag {
    pub const fn new(names: &'static str, kind: Kind, usage: &'static str) -> Flag {
        Flag {
            names,
            kind,
            usage,
            default: "",
        }
    }

    pub const fn with_default(mut self, default: &'static str) -> Flag {
        self.default = default;
        self
    }

    fn name_list(&self) -> impl Iterator<Item = &'static str> {
        self.names.split(',').map(str::trim)
    }

    fn primary(&self) -> &'static str {
        self.name_list().next().unwrap_or(self.names)
    }

    /// urfave's `--name value, -n value\tusage (default: x)` line.
    fn help_line(&self) -> String {
        let (placeholder, usage) = placeholder(self.usage);
        let placeholder = placeholder.unwrap_or("value");
        let mut line = String::new();
        for (i, name) in self.name_list().enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            line.push_str(if name.len() == 1 { "-" } else { "--" });
            line.push_str(name);
            if self.kind != Kind::Bool {
                line.push(' ');
                line.push_str(placeholder);
            }
        }
        line.push('\t');
        line.push_str(&usage);
        let default = match self.kind {
            Kind::Bool => None,
            Kind::Str if self.default.is_empty() => None,
            Kind::Slice if self.default.is_empty() => None,
            Kind::Str => Some(format!("{:?}", self.default)),
            Kind::Int if self.default.is_empty() => Some("0".to_string()),
            _ => Some(self.default.to_string()),
        };
        if let Some(default) = default {
            let _ = write!(line, " (default: {default})");
        }
        line
    }
}

/// urfave's placeholder rule: the first back-quoted word of the usage names the value, and its
/// quotes go.
fn placeholder(usage: &str) -> (Option<&str>, String) {
    if let Some(start) = usage.find('`')
        && let Some(len) = usage[start + 1..].find('`')
    {
        let name = &usage[start + 1..start + 1 + len];
        let text = format!("{}{}{}", &usage[..start], name, &usage[start + 2 + len..]);
        return (Some(name), text);
    }
    (None, usage.to_string())
}

/// A parsed flag value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Bool(bool),
    Str(String),
    Int(i64),
    Duration(Duration),
    Slice(Vec<String>),
}

/// The flags one level (global or a command) was given, by primary name, and its positionals.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    values: HashMap<&'static str, Value>,
    pub args: Vec<String>,
}

impl Parsed {
    pub fn bool(&self, name: &str) -> bool {
        matches!(self.values.get(name), Some(Value::Bool(true)))
    }

    pub fn string(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> i64 {
        match self.values.get(name) {
            Some(Value::Int(n)) => *n,
            _ => 0,
        }
    }

    pub fn duration(&self, name: &str) -> Option<Duration> {
        match self.values.get(name) {
            Some(Value::Duration(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn slice(&self, name: &str) -> &[String] {
        match self.values.get(name) {
            Some(Value::Slice(v)) => v,
            _ => &[],
        }
    }
}

/// The `--help, -h` flag urfave adds to every level.
pub const HELP: Flag = Flag::new("help, h", Kind::Bool, "show help");

fn find<'a>(flags: &'a [Flag], name: &str) -> Option<&'a Flag> {
    flags.iter().find(|f| f.name_list().any(|n| n == name))
}

/// The name an argument gives when it looks like a flag (`--name=v` -> `name`).
fn flag_name(arg: &str) -> Option<&str> {
    if arg == "-" || arg == "--" || !arg.starts_with('-') {
        return None;
    }
    let body = arg.strip_prefix("--").unwrap_or(&arg[1..]);
    Some(body.split('=').next().unwrap_or(body))
}

/// urfave's `reorderArgs`: a command's own flags (and the argument after each, unless it names
/// one of them) go first, the rest keep their order; `--` and what follows go last.
pub fn reorder(flags: &[Flag], args: &[String]) -> Vec<String> {
    let is_flag = |arg: &str| flag_name(arg).is_some_and(|n| find(flags, n).is_some());
    let mut front = Vec::new();
    let mut rest = Vec::new();
    let mut value_may_follow = false;
    for (i, arg) in args.iter().enumerate() {
        if value_may_follow && !is_flag(arg) {
            value_may_follow = false;
            front.push(arg.clone());
        } else if arg == "--" {
            rest.insert(0, "--".to_string());
            rest.extend(args[i + 1..].iter().cloned());
            break;
        } else if is_flag(arg) {
            front.push(arg.clone());
            value_may_follow = !arg.contains('=');
        } else {
            rest.push(arg.clone());
        }
    }
    front.extend(rest);
    front
}

/// Go's `FlagSet.Parse`: flags until the first positional or `--`; the error text is Go's.
pub fn parse(flags: &[Flag], args: &[String]) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg.len() < 2 || !arg.starts_with('-') {
            break;
        }
        i += 1;
        if arg == "--" {
            break;
        }
        let body = arg.strip_prefix("--").unwrap_or(&arg[1..]);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            return Err(format!("bad flag syntax: {arg}"));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some(flag) = find(flags, name) else {
            return Err(format!("flag provided but not defined: -{name}"));
        };
        let value = match (flag.kind, inline) {
            (Kind::Bool, None) => Value::Bool(true),
            (Kind::Bool, Some(v)) => Value::Bool(
                go_bool(&v)
                    .map_err(|_| format!("invalid boolean value {v:?} for -{name}: parse error"))?,
            ),
            (kind, inline) => {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        let Some(v) = args.get(i) else {
                            return Err(format!("flag needs an argument: -{name}"));
                        };
                        i += 1;
                        v.clone()
                    }
                };
                let invalid = |why: &str| format!("invalid value {v:?} for flag -{name}: {why}");
                match kind {
                    Kind::Int => Value::Int(go_parse_int(&v, 0).map_err(|e| {
                        invalid(if e.contains("out of range") {
                            "value out of range"
                        } else {
                            "parse error"
                        })
                    })?),
                    Kind::Duration => {
                        Value::Duration(go_duration(&v).map_err(|_| invalid("parse error"))?)
                    }
                    Kind::Slice => {
                        let mut all = match parsed.values.remove(flag.primary()) {
                            Some(Value::Slice(all)) => all,
                            _ => Vec::new(),
                        };
                        all.push(v.clone());
                        Value::Slice(all)
                    }
                    _ => Value::Str(v.clone()),
                }
            }
        };
        parsed.values.insert(flag.primary(), value);
    }
    parsed.args = args[i..].to_vec();
    Ok(parsed)
}

/// Go's `text/tabwriter` as urfave configures it (padding 2): in each run of lines holding a tab,
/// the text before the tab is padded to the widest of the run plus two.
pub fn tabwrite(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = String::with_capacity(text.len() + 64);
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].contains('\t') {
            out.push_str(lines[i]);
            i += 1;
            if i < lines.len() {
                out.push('\n');
            }
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].contains('\t') {
            i += 1;
        }
        let block = &lines[start..i];
        let width = block
            .iter()
            .map(|l| l.split('\t').next().unwrap_or("").chars().count())
            .max()
            .unwrap_or(0)
            + 2;
        for line in block {
            let (cell, rest) = line.split_once('\t').unwrap_or((line, ""));
            let _ = write!(out, "{cell:width$}{rest}");
            out.push('\n');
        }
    }
    out
}

/// The lines of a flag table, each indented as urfave's templates indent them.
pub fn flag_lines(flags: &[Flag]) -> Vec<String> {
    flags.iter().map(Flag::help_line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Flag = Flag::new("ttl", Kind::Int, "key time-to-live in seconds");
    const SORT: Flag = Flag::new("sort", Kind::Bool, "returns result in sorted order");

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_after_positionals_move_forward_with_their_values() {
        let flags = [TTL, SORT];
        assert_eq!(
            reorder(&flags, &strings(&["k", "--ttl", "5", "v"])),
            strings(&["--ttl", "5", "k", "v"])
        );
        // A bool flag takes the next argument along too, even an unknown flag.
        assert_eq!(
            reorder(&flags, &strings(&["foo", "--sort", "-o", "extended"])),
            strings(&["--sort", "-o", "foo", "extended"])
        );
        assert_eq!(
            reorder(&flags, &strings(&["k", "--", "--ttl", "x"])),
            strings(&["--", "k", "--ttl", "x"])
        );
    }

    #[test]
    fn go_flag_parsing_and_its_errors() {
        let flags = [TTL, SORT];
        let p = parse(&flags, &strings(&["-ttl=7", "--sort", "k", "--ttl", "1"])).unwrap();
        assert_eq!((p.int("ttl"), p.bool("sort")), (7, true));
        assert_eq!(p.args, strings(&["k", "--ttl", "1"]));
        assert_eq!(
            parse(&flags, &strings(&["--ttl", "abc"])).unwrap_err(),
            r#"invalid value "abc" for flag -ttl: parse error"#
        );
        assert_eq!(
            parse(&flags, &strings(&["-x"])).unwrap_err(),
            "flag provided but not defined: -x"
        );
        assert_eq!(
            parse(&flags, &strings(&["--ttl"])).unwrap_err(),
            "flag needs an argument: -ttl"
        );
        assert_eq!(
            parse(&flags, &strings(&["--sort=maybe"])).unwrap_err(),
            r#"invalid boolean value "maybe" for -sort: parse error"#
        );
        assert_eq!(
            parse(&flags, &strings(&["---x"])).unwrap_err(),
            "bad flag syntax: ---x"
        );
    }

    #[test]
    fn help_lines_follow_urfave() {
        let output = Flag::new(
            "output, o",
            Kind::Str,
            "output response in the given format (`simple`, `extended` or `json`)",
        )
        .with_default("simple");
        assert_eq!(
            output.help_line(),
            "--output simple, -o simple\toutput response in the given format (simple, `extended` or `json`) (default: \"simple\")"
        );
        assert_eq!(
            TTL.help_line(),
            "--ttl value\tkey time-to-live in seconds (default: 0)"
        );
        assert_eq!(tabwrite("a\tx\nlong\ty\n\nz"), "a     x\nlong  y\n\nz");
    }
}
