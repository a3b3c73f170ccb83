//! Progress of long work, shown on a terminal only: bars on stderr while stderr is a terminal,
//! nothing at all when it is piped or redirected, so scripts and etcdctl-compatible output
//! never see them. Every bar and spinner (snapshot save and restore, defrag --cluster, the
//! bulk commands, make-mirror, check perf, du) is made here.

use std::time::Duration;

use indicatif::{HumanBytes, ProgressDrawTarget, ProgressStyle};

pub use indicatif::ProgressBar;

/// Whether progress is shown at all.
pub fn shown() -> bool {
    super::stderr_is_terminal()
}

/// A bar for `total` bytes (bytes done, rate, time left); `None` when not on a terminal.
pub fn bytes(total: u64) -> Option<ProgressBar> {
    bar(
        Some(total),
        "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
    )
}

/// A bar for `total` steps, the current one named by the bar's message (`defrag --cluster`:
/// one step per member); `None` when not on a terminal.
pub fn steps(total: u64) -> Option<ProgressBar> {
    bar(Some(total), "{bar:40} {pos}/{len} {wide_msg}")
}

/// A bar or, without a `total`, a spinner drawn with `template` (indicatif's); `None` when
/// not on a terminal.
pub fn bar(total: Option<u64>, template: &str) -> Option<ProgressBar> {
    if !shown() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    Some(bar)
}
/// `128.00 MiB in 0.61s (209.84 MiB/s)`: what a finished transfer of `bytes` took.
pub fn summary(bytes: u64, took: Duration) -> String {
    let secs = took.as_secs_f64();
    let rate = if secs > 0.0 {
        HumanBytes((bytes as f64 / secs) as u64).to_string()
    } else {
        HumanBytes(bytes).to_string()
    };
    format!("{} in {secs:.2}s ({rate}/s)", HumanBytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_gives_size_time_and_rate() {
        assert_eq!(
            summary(128 << 20, Duration::from_millis(500)),
            "128.00 MiB in 0.50s (256.00 MiB/s)"
        );
        assert_eq!(summary(100, Duration::ZERO), "100 B in 0.00s (100 B/s)");
    }
}
