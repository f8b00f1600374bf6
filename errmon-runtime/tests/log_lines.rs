//! errmon's JSON lines as written to a real file: every line parses with the documented
//! fields, the error chain stays an array, the application's events carry the request
//! context, the gcp and ecs profiles name their keys, rotation keeps every line whole.

use std::fmt;
use std::path::{Path, PathBuf};

use errmon_runtime::__private::{Kind, Meta, Site};
use errmon_runtime::context::Context;
use errmon_runtime::log::{LogSettings, Output, Profile};
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;

#[derive(Debug)]
struct Io(&'static str);
impl fmt::Display for Io {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "socket: {}", self.0)
    }
}
impl std::error::Error for Io {}

#[derive(Debug)]
struct Declined(u64, Io);
impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "order {} declined", self.0)
    }
}
impl std::error::Error for Declined {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.1)
    }
}

#[errmon_runtime::monitored]
fn charge(order: u64) -> Result<(), Declined> {
    tracing::info!(order, "charging");
    Err(Declined(order, Io("connection reset")))
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("errmon-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs `f` with errmon's JSON layer over a file as the thread's subscriber; the lines.
fn logged(settings: LogSettings, path: &Path, f: impl FnOnce()) -> Vec<Value> {
    let settings = settings.output(Output::File(path.to_owned()));
    let (layer, guard) = settings.layer().unwrap();
    let subscriber = tracing_subscriber::registry()
        .with(settings.filter())
        .with(layer);
    tracing::subscriber::with_default(subscriber, f);
    assert!(guard.flush());
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn every_line_is_json_with_the_documented_fields() {
    let d = dir("lines");
    let lines = logged(LogSettings::default(), &d.join("app.log"), || {
        Context::from_request_id(Some("req-1"))
            .with_user_id("ada")
            .with_field("tenant", "acme")
            .scope(|| {
                let _ = charge(7);
            });
        tracing::warn!("outside any request");
    });
    assert_eq!(lines.len(), 3, "{lines:?}");
    let [app, report, outside] = &lines[..] else {
        unreachable!()
    };
    // The application's own event, with the context it was emitted in.
    assert_eq!(app["message"], "charging");
    assert_eq!(app["order"], 7);
    assert_eq!(app["level"], "INFO");
    assert_eq!(app["request_id"], "req-1");
    assert_eq!(app["user_id"], "ada");
    assert_eq!(app["fields"]["tenant"], "acme");
    // errmon's report: one line, the root cause in it, the chain an array.
    assert_eq!(report["target"], "errmon");
    assert_eq!(report["level"], "ERROR");
    assert_eq!(report["error.type"], "Declined");
    assert_eq!(report["error.kind"], "unknown");
    assert_eq!(report["error.message"], "order 7 declined", "{report}");
    assert_eq!(
        report["error.chain"],
        serde_json::json!(["socket: connection reset"])
    );
    assert_eq!(report["error.fingerprint"].as_str().unwrap().len(), 16);
    assert_eq!(report["function"], "charge");
    assert_eq!(report["module"], module_path!());
    assert_eq!(report["request_id"], "req-1");
    assert_eq!(report["user_id"], "ada");
    assert_eq!(report["fields"]["tenant"], "acme");
    assert_eq!(report["outcome"], "error");
    assert!(report["duration_s"].as_f64().unwrap() >= 0.0);
    assert!(report["timestamp"].as_str().unwrap().ends_with('Z'));
    // One request id key per line, and none outside a request.
    assert_eq!(outside.get("request_id"), None);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn gcp_and_ecs_profiles_name_their_keys() {
    let d = dir("profiles");
    let emit = || {
        Context::from_request_id(Some("req-9")).scope(|| tracing::warn!(answer = 42, "slow"));
    };
    let gcp = logged(
        LogSettings::default().profile(Profile::Gcp),
        &d.join("gcp.log"),
        emit,
    );
    assert_eq!(gcp[0]["severity"], "WARNING");
    assert_eq!(gcp[0]["message"], "slow");
    assert!(gcp[0]["time"].is_string());
    assert_eq!(gcp[0]["logging.googleapis.com/trace"], "req-9");
    assert_eq!(gcp[0].get("level"), None);
    let ecs = logged(
        LogSettings::default().profile(Profile::Ecs),
        &d.join("ecs.log"),
        emit,
    );
    assert_eq!(ecs[0]["log.level"], "warn");
    assert_eq!(ecs[0]["message"], "slow");
    assert!(ecs[0]["@timestamp"].is_string());
    assert_eq!(ecs[0]["request_id"], "req-9");
    assert_eq!(ecs[0]["answer"], 42);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_level_filter_applies() {
    let d = dir("level");
    let lines = logged(
        LogSettings::default().level("warn").unwrap(),
        &d.join("app.log"),
        || {
            tracing::info!("dropped by the filter");
            tracing::warn!("kept");
        },
    );
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["message"], "kept");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn rotation_keeps_every_line_whole() {
    let d = dir("rotation");
    let path = d.join("app.log");
    let settings = LogSettings::default()
        .output(Output::File(path.clone()))
        .max_bytes(2_000)
        .keep(1_000)
        .queue(100_000);
    let (layer, guard) = settings.layer().unwrap();
    let subscriber = tracing_subscriber::registry().with(layer);
    let written = 1_000;
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..written {
            tracing::info!(i, padding = "some text to make lines longer", "line");
        }
    });
    assert!(guard.flush());
    let mut files = 0;
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&d).unwrap() {
        let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        files += 1;
        assert!(body.len() < 2_000 + 300, "a file far over the limit");
        assert!(body.ends_with('\n'), "a file ends inside a line");
        for l in body.lines() {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            seen.push(v["i"].as_u64().unwrap());
        }
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..written).collect::<Vec<_>>());
    assert!(files > 10, "{files} files");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_unwritable_directory_is_an_error_naming_the_path() {
    let e = LogSettings::default()
        .output(Output::File("/nonexistent-errmon/dir/app.log".into()))
        .layer()
        .unwrap_err();
    assert!(
        e.to_string().contains("/nonexistent-errmon/dir/app.log"),
        "{e}"
    );
    assert!(std::error::Error::source(&e).is_some());
}

#[derive(Debug)]
struct Unavailable;
impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("service unavailable")
    }
}

#[errmon_runtime::retry(attempts = 2, backoff = constant(delay = "1ms"), jitter = none)]
fn flaky() -> Result<(), Unavailable> {
    Err(Unavailable)
}

#[test]
fn retries_and_their_exhaustion_are_one_line_each() {
    let d = dir("retry");
    let lines = logged(LogSettings::default(), &d.join("app.log"), || {
        Context::from_request_id(Some("req-r")).scope(|| {
            let _ = flaky();
        });
    });
    let outcomes: Vec<_> = lines.iter().map(|l| l["outcome"].clone()).collect();
    assert_eq!(
        outcomes,
        [serde_json::json!("retry"), serde_json::json!("exhausted")]
    );
    let (retry, exhausted) = (&lines[0], &lines[1]);
    assert_eq!(retry["level"], "WARN");
    assert_eq!(retry["target"], "errmon");
    assert_eq!(retry["attempt"], 1);
    assert_eq!(retry["error.message"], "service unavailable");
    assert_eq!(retry["error.type"], "Unavailable");
    assert_eq!(retry["function"], "flaky");
    assert_eq!(retry["request_id"], "req-r");
    assert_eq!(exhausted["level"], "ERROR");
    assert_eq!(exhausted["attempt"], 2);
    assert_eq!(exhausted["budget"], "attempts");
    let _ = std::fs::remove_dir_all(&d);
}

static PANICKING: Site = Site::new(Meta::__new(
    "panicking",
    module_path!(),
    file!(),
    line!(),
    Kind::Monitored,
    &[],
));

#[test]
fn a_panic_is_one_error_line_with_its_request() {
    errmon_runtime::errors::install_panic_hook();
    let d = dir("panic");
    let lines = logged(LogSettings::default(), &d.join("app.log"), || {
        let r = std::panic::catch_unwind(|| {
            Context::from_request_id(Some("req-p")).scope(|| {
                // Dropped while unwinding: the call ends as a panic.
                let _call = PANICKING.enter();
                panic!("garbage for order 42");
            })
        });
        assert!(r.is_err());
    });
    let panics: Vec<_> = lines.iter().filter(|l| l["outcome"] == "panic").collect();
    assert_eq!(panics.len(), 1, "{lines:?}");
    let p = panics[0];
    assert_eq!(p["level"], "ERROR");
    assert_eq!(p["error.type"], "panic");
    assert_eq!(p["error.message"], "garbage for order 42");
    assert_eq!(p["request_id"], "req-p");
    assert!(
        p["panic.location"]
            .as_str()
            .unwrap()
            .contains("log_lines.rs:")
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// Records the fields of the spans it sees, as another formatter would print them.
#[derive(Clone, Default)]
struct SpanFields(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SpanFields {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct V<'a>(&'a mut String);
        impl tracing::field::Visit for V<'_> {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn fmt::Debug) {
                self.0.push_str(&format!(" {}={v:?}", f.name()));
            }
        }
        let mut s = attrs.metadata().name().to_owned();
        attrs.record(&mut V(&mut s));
        self.0.lock().unwrap().push(s);
    }
}

#[test]
fn the_request_span_carries_the_context_for_other_formatters() {
    let seen = SpanFields::default();
    let subscriber = tracing_subscriber::registry().with(seen.clone());
    tracing::subscriber::with_default(subscriber, || {
        let _none = errmon_runtime::log::request_span();
        Context::from_request_id(Some("req-s"))
            .with_user_id("ada")
            .scope(|| drop(errmon_runtime::log::request_span().entered()));
    });
    assert_eq!(
        *seen.0.lock().unwrap(),
        [r#"errmon.request request_id="req-s" user_id="ada""#]
    );
}

/// A file that cannot take data: every flush fails with "no space left on device".
#[cfg(target_os = "linux")]
#[test]
fn a_later_write_failure_is_counted_not_fatal() {
    let before = errmon_runtime::log::write_failures();
    let settings = LogSettings::default().output(Output::File("/dev/full".into()));
    let (layer, guard) = settings.layer().unwrap();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::error!("lost");
    });
    assert!(guard.flush());
    assert!(errmon_runtime::log::write_failures() > before);
}
