//! Safe deletes (ectl only): `del --dry-run` previews a delete, `--confirm` (or
//! `ETCDCTL_CONFIRM=1`) asks on the terminal before deleting more than one key, and
//! `--save-undo FILE` keeps the deleted keys in the [`dump`](crate::dump) format, so
//! `ectl import FILE` puts them back.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::client::Client;
use crate::dump;
use crate::error::CliError;
use crate::go::quote as go_quote;
use crate::output::Preview;
use crate::pb::etcdserverpb::range_request::{SortOrder, SortTarget};
use crate::pb::etcdserverpb::{DeleteRangeRequest, DeleteRangeResponse, RangeRequest};
use crate::term;

/// Keys listed by `--dry-run`.
const SAMPLE_KEYS: i64 = 10;

pub async fn preview(client: &Client, request: &DeleteRangeRequest) -> anyhow::Result<Preview> {
    let first = client
        .range(RangeRequest {
            key: request.key.clone(),
            range_end: request.range_end.clone(),
            limit: SAMPLE_KEYS,
            keys_only: true,
            ..Default::default()
        })
        .await?;
    let revision = first.header.as_ref().map_or(0, |h| h.revision);
    let sample: Vec<Vec<u8>> = first.kvs.into_iter().map(|kv| kv.key).collect();
    let last = if first.more {
        let last = client
            .range(RangeRequest {
                key: request.key.clone(),
                range_end: request.range_end.clone(),
                limit: 1,
                keys_only: true,
                revision,
                sort_order: SortOrder::Descend as i32,
                sort_target: SortTarget::Key as i32,
                ..Default::default()
            })
            .await?;
        last.kvs.into_iter().next().map(|kv| kv.key)
    } else {
        sample.last().cloned()
    };
    Ok(Preview {
        revision,
        count: first.count,
        sample,
        last,
    })
}

/// Whether to ask: `--confirm[=bool]` when given, else `ETCDCTL_CONFIRM` when it is a Go
/// boolean. Any other value of the variable is ignored, as etcdctl ignores variables it cannot
/// parse (it does not know this one at all), so a stray value never breaks a delete.
pub fn confirm_wanted(flag: Option<bool>, env: Option<std::ffi::OsString>) -> bool {
    flag.unwrap_or_else(|| {
        env.and_then(|v| v.into_string().ok())
            .and_then(|v| crate::cli::values::go_bool(&v).ok())
            .unwrap_or(false)
    })
}

/// `--confirm`: asks on the terminal when the delete would remove more than one key. Without a
/// terminal there is nobody to ask, so the delete is refused rather than done unasked.
pub async fn confirm(client: &Client, request: &DeleteRangeRequest) -> anyhow::Result<()> {
    if request.range_end.is_empty() {
        return Ok(());
    }
    let preview = preview(client, request).await?;
    if preview.count <= 1 {
        return Ok(());
    }
    if !term::stdin_is_terminal() {
        return Err(CliError::error(format!(
            "--confirm: refusing to delete {} keys without a terminal to ask on \
             (preview with --dry-run; unset ETCDCTL_CONFIRM for scripts)",
            preview.count
        ))
        .into());
    }
    let range = match (preview.sample.first(), &preview.last) {
        (Some(first), Some(last)) => format!(" from {} to {}", go_quote(first), go_quote(last)),
        _ => String::new(),
    };
    if term::prompt::confirm(&format!("delete {} keys{range}?", preview.count))? {
        Ok(())
    } else {
        Err(CliError::error("delete cancelled: nothing was deleted").into())
    }
}

/// `--save-undo FILE`, created before the delete is sent so an unwritable path deletes
/// nothing.
pub struct UndoFile {
    path: PathBuf,
    file: File,
}

impl UndoFile {
    pub fn create(path: &Path) -> anyhow::Result<UndoFile> {
        let file = File::create(path).map_err(|e| {
            anyhow::Error::new(e).context(format!("--save-undo {}", path.display()))
        })?;
        Ok(UndoFile {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Writes the deleted keys (the response's prev_kvs) and syncs the file. The header's
    /// revision is the last one before the delete.
    pub fn write(self, response: &DeleteRangeResponse) -> anyhow::Result<()> {
        let header = response.header.as_ref();
        let revision = header.map_or(0, |h| h.revision) - i64::from(response.deleted > 0);
        let cluster_id = header.map_or(0, |h| h.cluster_id);
        // The delete is done by now: say so, since the keys exist only in this process.
        let context = || {
            format!(
                "the keys were deleted, but --save-undo {} failed",
                self.path.display()
            )
        };
        let written = (|| {
            let mut writer = dump::Writer::new(
                BufWriter::new(&self.file),
                &dump::Header::new(cluster_id, revision),
            )?;
            for kv in &response.prev_kvs {
                writer.key(kv)?;
            }
            writer.into_inner().flush()?;
            self.file.sync_all()
        })();
        written.map_err(|e| anyhow::Error::new(e).context(context()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_beats_the_variable_and_bad_values_are_ignored() {
        let env = |v: &str| Some(std::ffi::OsString::from(v));
        assert!(!confirm_wanted(None, None));
        assert!(confirm_wanted(None, env("1")));
        assert!(confirm_wanted(Some(true), None));
        assert!(!confirm_wanted(Some(false), env("1")));
        assert!(!confirm_wanted(None, env("yes")));
        assert!(!confirm_wanted(None, env("")));
    }
}
