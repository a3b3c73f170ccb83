//! Safe deletes (ectl only): `del --dry-run` previews a delete, `--confirm` (or
//! `ETCDCTL_CONFIRM=1`) asks on the terminal before deleting more than one key, and
//! `--save-undo FILE` keeps the deleted keys in the [`dump`](crate::dump) format, so
//! `ectl import FILE` puts them back.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use std::ffi::{OsStr, OsString};

use crate::client::Client;
use crate::dump;
use crate::error::CliError;
use crate::go::quote as go_quote;
use crate::output::report::del_preview::Preview;
use crate::pb::etcdserverpb::range_request::{SortOrder, SortTarget};
use crate::pb::etcdserverpb::{DeleteRangeRequest, DeleteRangeResponse, RangeRequest};
use crate::settings;
use crate::storage::PartFile;
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

/// What asked for confirmation, named in the refusal: `--confirm[=bool]` when given, else
/// `ECTL_CONFIRM` (or its former name `ETCDCTL_CONFIRM`) when it is a Go boolean. Any other
/// value of the variable is ignored, as etcdctl ignores variables it cannot parse (it does not
/// know this one at all), so a stray value never breaks a delete. `None`: nothing asked.
pub fn confirm_wanted(
    flag: Option<bool>,
    env: &dyn Fn(&OsStr) -> Option<OsString>,
) -> Option<&'static str> {
    match flag {
        Some(wanted) => wanted.then_some("--confirm"),
        None => {
            let value = settings::ectl_var("ECTL_CONFIRM", env)?
                .into_string()
                .ok()?;
            let wanted = crate::cli::values::go_bool(&value).ok()?;
            let new_name = env(OsStr::new("ECTL_CONFIRM")).is_some_and(|v| !v.is_empty());
            wanted.then_some(if new_name {
                "ECTL_CONFIRM"
            } else {
                "ETCDCTL_CONFIRM"
            })
        }
    }
}

/// `--confirm`: asks on the terminal when the delete would remove more than one key. Without a
/// terminal there is nobody to ask, so the delete is refused rather than done unasked; the
/// refusal names `asked_by` (the flag or the variable), so a script knows what to change.
pub async fn confirm(
    client: &Client,
    request: &DeleteRangeRequest,
    asked_by: &str,
) -> anyhow::Result<()> {
    if request.range_end.is_empty() {
        return Ok(());
    }
    let preview = preview(client, request).await?;
    if preview.count <= 1 {
        return Ok(());
    }
    if !term::stdin_is_terminal() {
        let unset = if asked_by.starts_with("--") {
            String::new()
        } else {
            format!("; unset {asked_by} for scripts")
        };
        return Err(CliError::error(format!(
            "{asked_by} asks to confirm deletes, but there is no terminal to ask on: refusing to \
             delete {} keys (preview with --dry-run{unset})",
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

/// `--save-undo FILE`: the deleted keys are written beside FILE and moved into place only
/// when complete, so FILE is never half written. The part file is created before the delete
/// is sent, so an unwritable path deletes nothing; an existing FILE (the undo of an earlier
/// delete, perhaps) is replaced only with `--overwrite-undo`.
pub struct UndoFile {
    path: PathBuf,
    part: PartFile,
    file: File,
    overwrite: bool,
}

impl UndoFile {
    pub fn create(path: &Path, overwrite: bool) -> anyhow::Result<UndoFile> {
        if !overwrite && path.exists() {
            return Err(exists(path).into());
        }
        let mut part_name = path.as_os_str().to_owned();
        part_name.push(".part");
        let part = PartFile::new(PathBuf::from(part_name));
        let file = File::create(part.path()).map_err(|e| {
            CliError::new(
                crate::error::ExitCode::Io,
                format!(
                    "--save-undo {}: {}",
                    path.display(),
                    crate::go::path_error("open", part.path(), &e)
                ),
            )
        })?;
        Ok(UndoFile {
            path: path.to_path_buf(),
            part,
            file,
            overwrite,
        })
    }

    /// Writes the deleted keys (the response's prev_kvs), syncs the file and moves it into
    /// place; says on stderr where the undo went. The header's revision is the last one
    /// before the delete.
    pub fn write(self, response: &DeleteRangeResponse) -> anyhow::Result<()> {
        let header = response.header.as_ref();
        let revision = header.map_or(0, |h| h.revision) - i64::from(response.deleted > 0);
        let cluster_id = header.map_or(0, |h| h.cluster_id);
        let written = (|| {
            let mut writer = dump::Writer::new(
                BufWriter::new(&self.file),
                &dump::Header::new(cluster_id, revision),
            )?;
            for kv in &response.prev_kvs {
                writer.key(kv)?;
            }
            writer.into_inner().flush()?;
            self.file.sync_all()?;
            self.place()
        })();
        if let Err(e) = written {
            // The delete is done by now and the keys exist only in this process and the part
            // file: keep that, and say so.
            let part = self.part.path().display().to_string();
            self.part.keep();
            let error = if e.kind() == std::io::ErrorKind::AlreadyExists {
                exists(&self.path)
            } else {
                CliError::new(
                    crate::error::ExitCode::Io,
                    format!(
                        "--save-undo {}: {}",
                        self.path.display(),
                        crate::go::errno_text(&e)
                    ),
                )
            };
            return Err(anyhow::Error::new(error).context(format!(
                "the keys were deleted, but the undo file {} was not written; what was \
                 written is in {part}",
                self.path.display()
            )));
        }
        if self.overwrite {
            self.part.keep();
        }
        let keys = if response.prev_kvs.len() == 1 {
            "key"
        } else {
            "keys"
        };
        term::warn(format!(
            "saved {} {keys} to {path}; undo with: ectl import {path}",
            response.prev_kvs.len(),
            path = self.path.display()
        ));
        Ok(())
    }

    /// Moves the complete part file to FILE: a rename with `--overwrite-undo`; else a link,
    /// which, unlike a rename, never replaces a file that appeared meanwhile (the part file is
    /// then removed on drop). Where links are not supported (FAT, some FUSE file systems) a
    /// rename after a last look has to do.
    fn place(&self) -> std::io::Result<()> {
        let part = self.part.path();
        if self.overwrite {
            return std::fs::rename(part, &self.path);
        }
        match std::fs::hard_link(part, &self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                if self.path.exists() {
                    return Err(std::io::ErrorKind::AlreadyExists.into());
                }
                std::fs::rename(part, &self.path)
            }
            placed => placed,
        }
    }
}

/// The refusal to replace an existing undo file.
fn exists(path: &Path) -> CliError {
    CliError::bad_args(format!(
        "--save-undo {}: the file exists (it may be the undo of an earlier delete); choose \
         another file, or pass --overwrite-undo to replace it",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_beats_the_variable_and_bad_values_are_ignored() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &OsStr| {
                vars.iter()
                    .find(|(n, _)| OsStr::new(n) == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        assert_eq!(confirm_wanted(None, &env(&[])), None);
        let old = env(&[("ETCDCTL_CONFIRM", "1")]);
        assert_eq!(confirm_wanted(None, &old), Some("ETCDCTL_CONFIRM"));
        let new = env(&[("ECTL_CONFIRM", "1")]);
        assert_eq!(confirm_wanted(None, &new), Some("ECTL_CONFIRM"));
        assert_eq!(confirm_wanted(Some(true), &env(&[])), Some("--confirm"));
        let off = env(&[("ECTL_CONFIRM", "0")]);
        assert_eq!(confirm_wanted(Some(true), &off), Some("--confirm"));
        assert_eq!(confirm_wanted(Some(false), &new), None);
        assert_eq!(confirm_wanted(None, &off), None);
        assert_eq!(confirm_wanted(None, &env(&[("ECTL_CONFIRM", "yes")])), None);
        assert_eq!(confirm_wanted(None, &env(&[("ECTL_CONFIRM", "")])), None);
    }
}
