//! `put`: write one key.

use std::ffi::OsString;
use std::io::Read;

use clap::Args;
use clap_complete::engine::ArgValueCompleter;

use crate::cli::values::go_parse_int;
use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::{Workbench, arg_bytes};
use crate::error::CliError;
use crate::output::ResponseKind;
use crate::pb::etcdserverpb::PutRequest;

/// Puts the given key into the store
///
/// When <value> begins with '-', it is read as a flag: insert '--' first
/// (`ectl put -- <key> <value>`). Without <value> (and without --ignore-value)
/// the value is read from standard input:
///   cat file | ectl put <key>
///
/// Examples:
///   ectl put foo bar
///   ectl put --lease=1234abcd foo bar
#[derive(Debug, Clone, Args)]
#[command(verbatim_doc_comment)]
pub struct PutArgs {
    /// lease ID (in hexadecimal) to attach to the key
    #[arg(long, default_value = "0")]
    pub lease: String,
    /// return the previous key-value pair before modification
    #[arg(long)]
    pub prev_kv: bool,
    /// updates the key using its current value
    #[arg(long)]
    pub ignore_value: bool,
    /// updates the key using its current lease
    #[arg(long)]
    pub ignore_lease: bool,
    /// <key> <value>
    #[arg(value_name = "KEY", add = ArgValueCompleter::new(Positional(&[Source::Keys])))]
    pub args: Vec<OsString>,
}

const NEEDS_ARGS: &str = "put command needs 1 argument and input from stdin or 2 arguments";

/// Turns `put` arguments into a Put request. `stdin` supplies the value when it is not an
/// argument; it is only called in that case.
pub fn plan(
    args: &PutArgs,
    stdin: impl FnOnce() -> Result<Vec<u8>, CliError>,
) -> Result<PutRequest, CliError> {
    let Some(key) = args.args.first() else {
        return Err(CliError::bad_args(NEEDS_ARGS));
    };
    if args.ignore_value && args.args.len() > 1 {
        return Err(CliError::bad_args(
            "put command needs only 1 argument when 'ignore-value' is set",
        ));
    }
    let value = match (args.ignore_value, args.args.get(1)) {
        (true, _) => Vec::new(),
        (false, Some(value)) => arg_bytes(value),
        (false, None) => {
            let value = stdin()?;
            if value.is_empty() {
                return Err(CliError::bad_args(NEEDS_ARGS));
            }
            value
        }
    };
    let lease = go_parse_int(&args.lease, 16)
        .map_err(|e| CliError::bad_args(format!("bad lease ID ({e}), expecting ID in Hex")))?;
    Ok(PutRequest {
        key: arg_bytes(key),
        value,
        lease,
        prev_kv: args.prev_kv,
        ignore_value: args.ignore_value,
        ignore_lease: args.ignore_lease,
    })
}

/// All of stdin, refusing to wait on a terminal where nobody knows a value is expected.
pub fn value_from_stdin() -> Result<Vec<u8>, CliError> {
    if crate::term::stdin_is_terminal() {
        return Err(CliError::bad_args(format!(
            "{NEEDS_ARGS} (stdin is a terminal: give the value as an argument or pipe it in)"
        )));
    }
    let mut value = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut value)
        .map_err(|_| CliError::bad_args(NEEDS_ARGS))?;
    Ok(value)
}

pub async fn run(args: PutArgs, ctx: &mut Workbench<'_>) -> anyhow::Result<()> {
    // Arguments first, then the format, as etcdctl checks them (`put -w table` with no key is
    // a usage error there too).
    let request = plan(&args, value_from_stdin)?;
    ctx.ensure_format(ResponseKind::Put)?;
    let response = ctx.client()?.put(request).await?;
    let style = ctx.style();
    ctx.printer(style).put(&response)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(argv: &[&str], stdin: &[u8]) -> Result<PutRequest, CliError> {
        let parsed: PutArgs =
            crate::commands::prelude::try_parse_args(argv).expect("arguments parse");
        plan(&parsed, || Ok(stdin.to_vec()))
    }

    #[test]
    fn value_from_argument_or_stdin() {
        assert_eq!(plan_of(&["k", "v"], b"").unwrap().value, b"v");
        assert_eq!(plan_of(&["k"], b"line\n").unwrap().value, b"line\n");
        assert_eq!(plan_of(&["k"], b"").unwrap_err().message, NEEDS_ARGS);
        assert_eq!(plan_of(&["k", "--ignore-value"], b"").unwrap().value, b"");
        assert!(plan_of(&["k", "v", "--ignore-value"], b"").is_err());
    }

    #[test]
    fn lease_is_hex() {
        assert_eq!(plan_of(&["k", "v", "--lease=ff"], b"").unwrap().lease, 255);
        assert_eq!(
            plan_of(&["k", "v", "--lease=zz"], b"").unwrap_err().message,
            "bad lease ID (strconv.ParseInt: parsing \"zz\": invalid syntax), expecting ID in Hex"
        );
    }
}
