//! What `ErrorSettings` decides: drops before formatting (filter, rate limit, sampling), the
//! scrub hook, the group cap with its `other` group, the ring's size; drops counted by reason.

#[macro_use]
mod support;

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errmon_runtime::errors::{self, DropReason, ErrorSettings};
use support::{counts, groups, reports};

/// The settings are the process's: one test at a time.
static SERIAL: Mutex<()> = Mutex::new(());

static NOW: AtomicU64 = AtomicU64::new(1_800_000_000_000);

fn clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(NOW.load(Relaxed))
}

/// Counts how often it is formatted.
#[derive(Debug)]
struct Costly(u64);
static FORMATTED: AtomicUsize = AtomicUsize::new(0);
impl fmt::Display for Costly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        FORMATTED.fetch_add(1, Relaxed);
        write!(f, "costly {} for ops@example.com", self.0)
    }
}
impl std::error::Error for Costly {}

monitored_by_hand! {
    fn health_check(n: u64) -> Result<(), Costly> {
        Err(Costly(n))
    }
}

monitored_by_hand! {
    fn flood(n: u64) -> Result<(), Costly> {
        Err(Costly(n))
    }
}

monitored_by_hand! {
    fn varied(n: u64) -> Result<(), Costly> {
        Err(Costly(n))
    }
}

fn dropped(reason: DropReason) -> u64 {
    errmon_runtime::errors::snapshot()
        .totals
        .dropped
        .into_iter()
        .find(|(r, _)| *r == reason)
        .map_or(0, |(_, n)| n)
}

#[test]
fn filtered_and_rate_limited_errors_are_counted_and_never_formatted() {
    let _serial = SERIAL.lock().unwrap();
    errors::configure(
        ErrorSettings::default()
            .clock(clock)
            .rate_limit(5)
            .sample_above(0)
            .filter(|head| head.function != "health_check"),
    )
    .unwrap();
    let before = FORMATTED.load(Relaxed);
    let filtered = dropped(DropReason::Filtered);
    for n in 0..100 {
        let _ = health_check(n);
    }
    assert_eq!(
        FORMATTED.load(Relaxed),
        before,
        "a filtered error is not formatted"
    );
    assert_eq!(dropped(DropReason::Filtered), filtered + 100);
    assert_eq!(counts("health_check").unwrap().errors, 100);
    assert!(reports("health_check").is_empty());

    // Five reports in each second of the clock.
    let limited = dropped(DropReason::RateLimited);
    let before = FORMATTED.load(Relaxed);
    for n in 0..50 {
        let _ = flood(n);
    }
    NOW.fetch_add(1_000, Relaxed);
    let _ = flood(50);
    assert_eq!(FORMATTED.load(Relaxed), before + 6);
    assert_eq!(dropped(DropReason::RateLimited), limited + 45);
    assert_eq!(reports("flood").len(), 6);
    assert_eq!(counts("flood").unwrap().errors, 51);
}

#[test]
fn a_flood_is_sampled_across_functions() {
    let _serial = SERIAL.lock().unwrap();
    NOW.fetch_add(60_000, Relaxed);
    errors::configure(
        ErrorSettings::default()
            .clock(clock)
            .rate_limit(0)
            .sample_above(10),
    )
    .unwrap();
    let sampled = dropped(DropReason::Sampled);
    for n in 0..30 {
        let _ = varied(n);
    }
    assert_eq!(dropped(DropReason::Sampled), sampled + 20);
}

#[test]
fn the_scrub_hook_redacts_or_drops_before_grouping() {
    let _serial = SERIAL.lock().unwrap();
    NOW.fetch_add(60_000, Relaxed);
    errors::configure(
        ErrorSettings::default()
            .clock(clock)
            .rate_limit(0)
            .sample_above(0)
            .scrub(|r| {
                if r.function != "scrubbed" {
                    return true;
                }
                r.message = r.message.replace("ops@example.com", "<redacted>");
                !r.message.contains("costly 13 ")
            }),
    )
    .unwrap();
    monitored_by_hand! {
        fn scrubbed(n: u64) -> Result<(), Costly> {
            Err(Costly(n))
        }
    }
    let before = dropped(DropReason::Scrubbed);
    for n in [1, 13, 2] {
        let _ = scrubbed(n);
    }
    assert_eq!(dropped(DropReason::Scrubbed), before + 1);
    let r = reports("scrubbed");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].message, "costly 2 for <redacted>");
    let g = groups("scrubbed");
    assert_eq!(g[0].message, "costly <int> for <redacted>");
    assert_eq!(
        g[0].samples,
        ["costly 1 for <redacted>", "costly 2 for <redacted>"]
    );

    // A hook that panics drops the report; the error path itself does not panic.
    errors::configure(
        ErrorSettings::default()
            .clock(clock)
            .rate_limit(0)
            .scrub(|_| panic!("hook bug")),
    )
    .unwrap();
    let _ = scrubbed(3);
    assert_eq!(dropped(DropReason::Scrubbed), before + 2);
}

#[test]
fn groups_past_the_cap_fold_into_other_and_the_ring_keeps_the_newest() {
    let _serial = SERIAL.lock().unwrap();
    NOW.fetch_add(60_000, Relaxed);
    // Other tests' groups count too: the cap is the one left after them.
    let existing = errmon_runtime::errors::snapshot().totals.groups;
    errors::configure(
        ErrorSettings::default()
            .clock(clock)
            .rate_limit(0)
            .sample_above(0)
            .max_groups(existing + 2)
            .ring_size(3),
    )
    .unwrap();
    #[derive(Debug)]
    struct Distinct(&'static str);
    impl fmt::Display for Distinct {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    monitored_by_hand! {
        fn capped(msg: &'static str) -> Result<(), Distinct> {
            Err(Distinct(msg))
        }
    }
    let folded = errmon_runtime::errors::snapshot().totals.groups_folded;
    for msg in ["alpha", "beta", "gamma", "delta", "alpha"] {
        let _ = capped(msg);
    }
    let snap = errmon_runtime::errors::snapshot();
    assert_eq!(snap.totals.groups_folded, folded + 2);
    let other = snap
        .top_groups
        .iter()
        .find(|g| g.error_type == "other")
        .expect("other");
    assert!(other.count >= 2);
    let mine: Vec<(String, u64)> = groups("capped")
        .into_iter()
        .map(|g| (g.message, g.count))
        .collect();
    assert_eq!(mine, [("alpha".to_owned(), 2), ("beta".to_owned(), 1)]);
    let ring: Vec<String> = snap.recent.iter().map(|r| r.message.clone()).collect();
    assert_eq!(ring, ["alpha", "delta", "gamma"]);
}

#[cfg(feature = "exporter")]
#[test]
fn drops_are_exported_by_reason() {
    let _serial = SERIAL.lock().unwrap();
    errors::configure(
        ErrorSettings::default()
            .clock(clock)
            .filter(|h| h.function != "dropped_for_metrics"),
    )
    .unwrap();
    monitored_by_hand! {
        fn dropped_for_metrics() -> Result<(), Costly> {
            Err(Costly(0))
        }
    }
    let _ = dropped_for_metrics();
    let text = errmon_runtime::export::render_prometheus(
        &errmon_runtime::Config::default().const_label("service", "api"),
    )
    .unwrap();
    assert!(
        text.contains("# TYPE errmon_error_reports_dropped_total counter"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| {
            l.starts_with(r#"errmon_error_reports_dropped_total{reason="filtered",service="api"} "#)
        })
        .unwrap_or_else(|| panic!("{text}"));
    let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(n, dropped(DropReason::Filtered));
    // Every reason is rendered, those that dropped nothing at zero.
    for reason in DropReason::ALL {
        let series = format!(
            "errmon_error_reports_dropped_total{{reason=\"{}\",service=\"api\"}} {}",
            reason.as_str(),
            dropped(reason)
        );
        assert!(text.lines().any(|l| l == series), "{series}\n{text}");
    }
}
