//! `ERRMON_*` environment variables, read by `install()` and `Config::from_env()`.
//!
//! The environment is process-global and changing it is `unsafe`, so this file holds a single
//! test: no other thread of this process touches the environment while it runs.

use errmon_test_support as support;

use errmon_runtime::{Config, InstallError, count_calls, timed};
use support::{assert_line, assert_no_sample_containing, scrape};

const VARS: [&str; 4] = [
    "ERRMON_LISTEN",
    "ERRMON_DURATION_BUCKETS",
    "ERRMON_LABELS",
    "ERRMON_CAPTURE_FACADE",
];

/// Sets exactly `pairs` among errmon's variables, removing the others.
fn set_env(pairs: &[(&str, &str)]) {
    for var in VARS {
        let value = pairs.iter().find(|(k, _)| *k == var).map(|(_, v)| *v);
        // SAFETY: this file has one test, and errmon's threads never read the environment, so
        // nothing else reads or writes it meanwhile.
        unsafe {
            match value {
                Some(v) => std::env::set_var(var, v),
                None => std::env::remove_var(var),
            }
        }
    }
}

/// `ERRMON_LISTEN` on a free port, unless `var` is the one under test, so that an install that
/// wrongly succeeds never takes the default port.
fn on_any_port(var: &str) -> (&'static str, &'static str) {
    if var == "ERRMON_LISTEN" {
        ("ERRMON_UNUSED", "")
    } else {
        ("ERRMON_LISTEN", "127.0.0.1:0")
    }
}

#[count_calls]
fn ping() {}

#[timed]
fn tick() {}

#[test]
fn environment_variables_configure_install_and_bad_values_are_named() {
    // Values `Config::from_env` rejects, and the message naming each.
    for (var, value, expected) in [
        (
            "ERRMON_DURATION_BUCKETS",
            "0.01,fast",
            "ERRMON_DURATION_BUCKETS: `fast` is not a number of seconds",
        ),
        (
            "ERRMON_LABELS",
            "service=api,region",
            "ERRMON_LABELS: `region` is not of the form `name=value`",
        ),
        (
            "ERRMON_CAPTURE_FACADE",
            "yes",
            "ERRMON_CAPTURE_FACADE: `yes` is neither `true` nor `false`",
        ),
    ] {
        set_env(&[(var, value), on_any_port(var)]);
        let err = Config::from_env().expect_err(value);
        assert_eq!(err.to_string(), expected);
        let err = errmon_runtime::install().expect_err(value);
        assert!(matches!(err, InstallError::Config(_)), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("invalid errmon configuration: {expected}")
        );
    }

    // Values that parse but cannot be used fail at install, still named.
    for (var, value, expected) in [
        (
            "ERRMON_LISTEN",
            "nowhere",
            "listen address `nowhere` is not valid",
        ),
        (
            "ERRMON_DURATION_BUCKETS",
            "0.0033",
            "duration bucket 0.0033 is not on errmon's grid",
        ),
        (
            "ERRMON_LABELS",
            "job=api",
            "constant label name `job` is reserved",
        ),
    ] {
        set_env(&[(var, value), on_any_port(var)]);
        let err = errmon_runtime::install().expect_err(value);
        assert!(matches!(err, InstallError::Config(_)), "{err:?}");
        assert!(err.to_string().contains(expected), "{err}");
    }

    // Good values shape what is served.
    set_env(&[
        ("ERRMON_LISTEN", "127.0.0.1:0"),
        ("ERRMON_DURATION_BUCKETS", "0.01, 1"),
        ("ERRMON_LABELS", "service=env,region=eu"),
        ("ERRMON_CAPTURE_FACADE", "false"),
    ]);
    ping();
    tick();
    let guard = errmon_runtime::install().expect("install from the environment");
    set_env(&[]);
    metrics::counter!("env_not_captured_total").increment(1);
    let body = scrape(guard.local_addr());
    assert_line(
        &body,
        r#"errmon_calls_total{function="ping",module="install_env",service="env",region="eu"} 1"#,
    );
    // The configured bounds, and no others. (Values below +Inf depend on timing.)
    let bounds: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with(r#"errmon_call_duration_seconds_bucket{function="tick""#))
        .filter_map(|l| l.split(",le=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(bounds, ["0.01", "1", "+Inf"]);
    assert_line(
        &body,
        r#"errmon_call_duration_seconds_bucket{function="tick",module="install_env",service="env",region="eu",le="+Inf"} 1"#,
    );
    // With ERRMON_CAPTURE_FACADE=false no recorder is installed, so facade metrics are not served.
    assert_no_sample_containing(&body, "env_not_captured_total");
    drop(guard);
}
