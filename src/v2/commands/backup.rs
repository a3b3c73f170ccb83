//! `backup`: the offline copy of a member's data directory, reported as etcd 3.4's logger
//! reports it.

use super::{Result, exit};
use crate::term::warn;
use crate::v2::cli::Run;

/// `backup`: offline, on a member's data directory (see `storage::backup`). etcdctl reports
/// through its logger on stderr, each line stamped; a failure is its fatal line, exit 1.
pub(super) fn backup(run: &Run) -> Result<()> {
    let f = &run.flags;
    let path = |name: &str| f.string(name).filter(|p| !p.is_empty()).map(Into::into);
    let options = crate::storage::backup::BackupOptions {
        data_dir: f.string("data-dir").unwrap_or("").into(),
        wal_dir: path("wal-dir"),
        backup_dir: f.string("backup-dir").unwrap_or("").into(),
        backup_wal_dir: path("backup-wal-dir"),
        with_v3: f.bool("with-v3"),
    };
    match crate::storage::backup::backup(&options) {
        Ok(report) => {
            for line in &report.log {
                warn(format_args!("{} I | {line}", crate::go::log_stamp()));
            }
            Ok(())
        }
        Err(e) => Err(exit(1, format!("{} I | {e}", crate::go::log_stamp()))),
    }
}
