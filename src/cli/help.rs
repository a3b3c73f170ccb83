//! The top-level help lists commands in etcdctl's README groups rather than one flat list.

/// etcdctl's groups, in its README's order; every visible command belongs to one.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "Key-value commands",
        &["get", "put", "del", "txn", "compaction", "watch", "lease"],
    ),
    (
        "Cluster maintenance commands",
        &[
            "member",
            "endpoint",
            "alarm",
            "defrag",
            "snapshot",
            "move-leader",
            "downgrade",
        ],
    ),
    ("Concurrency commands", &["lock", "elect"]),
    ("Authentication commands", &["auth", "user", "role"]),
    // ectl's own commands (etcdctl has none of these).
    ("Beyond etcdctl", &["doctor", "du", "diff"]),
    ("Utility commands", &["version", "completion", "help"]),
];

/// `cmd` with its command list replaced by the grouped one.
pub fn grouped(cmd: clap::Command) -> clap::Command {
    let listing = listing(&cmd);
    cmd.help_template(
        "{about-with-newline}\n{usage-heading} {usage}\n\n{before-help}Options:\n{options}{after-help}",
    )
    .before_help(listing)
}

fn listing(cmd: &clap::Command) -> String {
    let about = |name: &str| {
        cmd.find_subcommand(name)
            .and_then(|sub| sub.get_about())
            .map(|about| about.to_string())
            .unwrap_or_else(|| "Print this message or the help of the given subcommand(s)".into())
    };
    let mut text = String::new();
    for (heading, names) in GROUPS {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_command_is_in_exactly_one_group() {
        let cmd = crate::cli::command();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let homes = GROUPS
                .iter()
                .filter(|(_, names)| names.contains(&sub.get_name()))
                .count();
            assert_eq!(homes, 1, "{} is in {homes} groups", sub.get_name());
        }
    }

    #[test]
    fn every_commands_help_shows_an_example() {
        // clap's own `help` subcommands and etcdctl's reserved names need no examples.
        fn documented(cmd: &clap::Command) -> bool {
            !cmd.is_hide_set() && cmd.get_name() != "help"
        }
        fn check(cmd: &mut clap::Command, path: &str, missing: &mut Vec<String>) {
            let name = format!("{path} {}", cmd.get_name());
            if !cmd.render_long_help().to_string().contains("  ectl ") {
                missing.push(name.clone());
            }
            for sub in cmd.get_subcommands_mut().filter(|s| documented(s)) {
                check(sub, &name, missing);
            }
        }
        let mut root = crate::cli::command();
        root.build();
        let mut missing = Vec::new();
        for sub in root.get_subcommands_mut().filter(|s| documented(s)) {
            check(sub, "ectl", &mut missing);
        }
        assert!(missing.is_empty(), "no example in the help of: {missing:?}");
    }

    #[test]
    fn the_help_lists_groups_with_each_commands_summary() {
        let help = crate::cli::command().render_help().to_string();
        assert!(help.contains("Key-value commands:\n  get"), "{help}");
        assert!(help.contains("Concurrency commands:\n  lock"), "{help}");
        assert!(help.contains("Gets the key or a range of keys"), "{help}");
        assert!(help.contains("Options:\n"), "{help}");
    }
}
