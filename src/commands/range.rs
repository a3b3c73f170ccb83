//! The key range and revision that `get` and `export` both take, in one place.

use crate::commands::completion::{Positional, Source};
use crate::commands::prelude::arg_bytes;
use crate::error::CliError;
use crate::keys::{KeyRange, key_range};

/// The key range and revision `get` and `export` share: `KEY [range_end]`, `--prefix`,
/// `--from-key` and `--rev`. Its help is `get`'s (etcdctl's); other commands flattening it
/// reword it with `mut_arg`, so each help reads as before.
#[derive(Debug, Clone, clap::Args)]
pub struct RangeArgs {
    /// Get keys with matching prefix
    #[arg(long)]
    pub prefix: bool,
    /// Get keys that are greater than or equal to the given key using byte compare
    #[arg(long)]
    pub from_key: bool,
    /// Specify the kv revision
    #[arg(long, default_value = "0", value_parser = crate::cli::values::go_int64)]
    pub rev: i64,
    /// <key> [range_end]
    #[arg(
        value_name = "KEY",
        add = clap_complete::engine::ArgValueCompleter::new(Positional(&[Source::Keys, Source::Keys])),
    )]
    pub args: Vec<std::ffi::OsString>,
}

impl RangeArgs {
    /// The key given, if any.
    pub fn key(&self) -> Option<Vec<u8>> {
        self.args.first().map(|k| arg_bytes(k))
    }

    /// The range from `key`, the optional range end and the flags.
    pub fn range_from(&self, key: Vec<u8>, whole: bool) -> Result<KeyRange, CliError> {
        key_range(
            key,
            self.args.get(1).map(|e| arg_bytes(e)),
            self.prefix || whole,
            self.from_key,
        )
    }
}
