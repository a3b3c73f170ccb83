//! Help laid out as etcdctl's: the top-level help lists commands in groups (etcdctl's
//! README's) rather than one flat list, and every command's help shows its own options first
//! and the global ones after (under their own heading, set on the global args), its
//! positionals as etcdctl writes them (`<key> [range_end]`), and no empty defaults.

/// A heading and the names of the commands listed under it.
pub type Group = (&'static str, &'static [&'static str]);

/// `cmd` with its command list replaced by the grouped one.
pub fn grouped(cmd: clap::Command, groups: &[Group]) -> clap::Command {
    // The summaries are the commands' doc comments, there once clap has built the commands;
    // built in a copy, so `cmd` is parsed as it would be without the listing.
    let mut built = cmd.clone();
    built.build();
    let listing = listing(&built, groups);
    cmd.help_template(
        // `{options}` lists every flag, global ones included: at the top level they are the
        // options, as in etcdctl's top-level help.
        "{about-with-newline}\n{usage-heading} {usage}\n\n{before-help}Options:\n{options}{after-help}",
    )
    .before_help(listing)
}

fn listing(cmd: &clap::Command, groups: &[Group]) -> String {
    let about = |name: &str| {
        cmd.find_subcommand(name)
            .and_then(|sub| sub.get_about())
            .map(|about| about.to_string())
            .unwrap_or_else(|| "Print this message or the help of the given subcommand(s)".into())
    };
    let mut text = String::new();
    for (heading, names) in groups {
        text.push_str(&format!("{heading}:\n"));
        for name in names.iter().filter(|name| visible(cmd, name)) {
            text.push_str(&format!("  {name:<12} {}\n", about(name)));
        }
        text.push('\n');
    }
    text
}

fn visible(cmd: &clap::Command, name: &str) -> bool {
    name == "help"
        || cmd
            .find_subcommand(name)
            .is_some_and(|sub| !sub.is_hide_set())
}

/// The heading of the global flags in every command's help and man page; the command's own
/// flags come first, under clap's "Options".
pub const GLOBAL_HEADING: &str = "Global Options";

/// etcdctl's layout for a top-level command of ectl and its subcommands: `[default: ""]` left
/// out, and a usage line that writes the positionals as the help of the positional argument
/// says etcdctl does (`ectl get [OPTIONS] <key> [range_end]`), that argument then not listed
/// again. Every argument goes through `each_arg` too, in the same pass: the caller's own
/// rewrite, so a command's tree is walked once.
pub fn command_layout(cmd: clap::Command, each_arg: fn(clap::Arg) -> clap::Arg) -> clap::Command {
    layout(cmd, "ectl", each_arg)
}

/// The top level's own arguments (the global flags) with `[default: ""]` left out, each also
/// through `each_arg`; its commands are laid out by [`command_layout`] when clap builds them.
pub fn top_level_layout(cmd: clap::Command, each_arg: fn(clap::Arg) -> clap::Arg) -> clap::Command {
    cmd.mut_args(|arg| hide_empty_default(each_arg(arg)))
}

fn hide_empty_default(arg: clap::Arg) -> clap::Arg {
    let defaults = arg.get_default_values();
    let empty_default = !defaults.is_empty() && defaults.iter().all(|d| d.is_empty());
    let hide_default = empty_default || arg.is_hide_default_value_set();
    arg.hide_default_value(hide_default)
}

fn layout(
    mut cmd: clap::Command,
    parent: &str,
    each_arg: fn(clap::Arg) -> clap::Arg,
) -> clap::Command {
    let path = format!("{parent} {}", cmd.get_name());
    let written: Vec<(clap::Id, String)> = cmd
        .get_positionals()
        .filter(|arg| !arg.is_hide_set())
        .filter_map(|arg| {
            let help = arg.get_help()?.to_string();
            Some((arg.get_id().clone(), usage_fragment(&help)?.to_string()))
        })
        .collect();
    if !written.is_empty() {
        let fragments: Vec<&str> = written.iter().map(|(_, f)| f.as_str()).collect();
        cmd = cmd.override_usage(format!("{path} [OPTIONS] {}", fragments.join(" ")));
    }
    let hidden = |arg: &clap::Arg| written.iter().any(|(id, _)| id == arg.get_id());
    // In place: `mut_arg` would move the argument last, and positionals take their index from
    // their order.
    cmd = cmd.mut_args(|arg| {
        let hide = hidden(&arg) || arg.is_hide_set();
        hide_empty_default(each_arg(arg)).hide(hide)
    });
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(&name, |sub| layout(sub, &path, each_arg));
    }
    cmd
}

/// The leading `<...>` and `[...]` groups of a positional's help: `<ttl>` of "<ttl> in
/// seconds", all of "<lockname> [exec-command arg1 arg2 ...]"; `None` when it starts with
/// neither.
fn usage_fragment(help: &str) -> Option<&str> {
    let mut end = 0;
    let mut rest = help;
    loop {
        let trimmed = rest.trim_start();
        let close = match trimmed.chars().next() {
            Some('<') => '>',
            Some('[') => ']',
            _ => break,
        };
        let len = trimmed.find(close)? + 1;
        end += rest.len() - trimmed.len() + len;
        rest = &trimmed[len..];
    }
    (end > 0).then(|| &help[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_fragments_are_the_leading_bracket_groups() {
        assert_eq!(
            usage_fragment("<key> [range_end]"),
            Some("<key> [range_end]")
        );
        assert_eq!(usage_fragment("<ttl> in seconds"), Some("<ttl>"));
        assert_eq!(
            usage_fragment("<memberID> (hexadecimal)"),
            Some("<memberID>")
        );
        assert_eq!(
            usage_fragment("<lockname> [exec-command arg1 arg2 ...]"),
            Some("<lockname> [exec-command arg1 arg2 ...]")
        );
        assert_eq!(usage_fragment("etcdctl ignores arguments here"), None);
        assert_eq!(usage_fragment("<unclosed"), None);
    }
}
