//! The top-level help lists commands in groups (etcdctl's README's) rather than one flat list.

/// A heading and the names of the commands listed under it.
pub type Group = (&'static str, &'static [&'static str]);

/// `cmd` with its command list replaced by the grouped one.
pub fn grouped(cmd: clap::Command, groups: &[Group]) -> clap::Command {
    let listing = listing(&cmd, groups);
    cmd.help_template(
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
