//! What the tests of errmon's events and the application's subscriber share: a writer the test
//! reads back, and functions whose calls emit each kind of errmon event about one order.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

/// Lines written by a formatter, kept for the test to read.
#[derive(Clone, Debug, Default)]
pub struct Lines(Arc<Mutex<Vec<u8>>>);

impl Lines {
    /// Each line, parsed.
    pub fn json(&self) -> Vec<serde_json::Value> {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        parse(&String::from_utf8(bytes).expect("UTF-8"))
    }

    /// A `MakeWriter` for tracing-subscriber's formatters.
    pub fn writer(&self) -> impl Fn() -> Lines + Send + Sync + 'static {
        let lines = self.clone();
        move || lines.clone()
    }
}

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The JSON lines of `text`; other lines (a test harness's) are skipped.
pub fn parse(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The `outcome` of each errmon event about `order` in `lines`, sorted: errmon's own lines have
/// their fields at the top level, tracing-subscriber's JSON formatter under `fields`.
pub fn outcomes(lines: &[serde_json::Value], order: u64) -> Vec<String> {
    let about = format!("order {order}");
    let mut outcomes: Vec<String> = lines
        .iter()
        .filter(|l| l["target"] == "errmon" || l["log.logger"] == "errmon")
        .map(|l| {
            if l["fields"].is_object() && l["outcome"].is_null() {
                &l["fields"]
            } else {
                l
            }
        })
        .filter(|f| {
            f["error.message"]
                .as_str()
                .is_some_and(|m| m.contains(&about))
        })
        .map(|f| f["outcome"].as_str().unwrap_or("none").to_owned())
        .collect();
    outcomes.sort();
    outcomes
}

/// Every kind of errmon event, sorted as [`outcomes`] sorts them.
pub const ALL: [&str; 4] = ["error", "exhausted", "panic", "retry"];

#[derive(Debug)]
pub struct Declined(pub u64);

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "card declined for order {}", self.0)
    }
}

impl std::error::Error for Declined {}

/// Defines, in the calling test crate, `errmon_events(order)`: an error report, a retry, an
/// exhausted retry and a panic, each about `order`, from instrumented functions of the test's
/// own (a panic is reported by errmon's panic hook, which `install()` sets). A macro, so only
/// the tests that want these sites have them: a test binary's scrape lists every site linked in.
#[macro_export]
macro_rules! errmon_events {
    () => {
        #[::errmon_runtime::monitored]
        fn charge(order: u64) -> Result<(), $crate::logs::Declined> {
            Err($crate::logs::Declined(order))
        }

        #[::errmon_runtime::retry(attempts = 2, backoff = constant(delay = "1ms"), max_elapsed = "10s")]
        fn reserve(order: u64) -> Result<(), $crate::logs::Declined> {
            Err($crate::logs::Declined(order))
        }

        #[::errmon_runtime::monitored]
        fn render(order: u64) -> String {
            panic!("receipt template overflow for order {order}")
        }

        fn errmon_events(order: u64) {
            assert!(charge(order).is_err());
            assert!(reserve(order).is_err());
            assert!(std::panic::catch_unwind(|| render(order)).is_err());
        }
    };
}

/// Quiets the panics of `errmon_events!`; set before `install()`, whose hook calls it.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}
