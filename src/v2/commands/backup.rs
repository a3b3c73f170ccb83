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
                warn(format_args!("{} I | {line}", log_stamp()));
            }
            Ok(())
        }
        Err(e) => Err(exit(1, format!("{} I | {e}", log_stamp()))),
    }
}

/// The local time as etcd 3.4's logger stamps a line: `2006-01-02 15:04:05.000000`.
fn log_stamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: localtime_r only writes the tm it is given.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_micros()
    )
}
