//! Instruments a few functions, serves their metrics, and keeps a small workload running.
//!
//! ```text
//! cargo run --example quickstart                 # serves until Ctrl-C
//! cargo run --example quickstart -- --seconds 30 # serves for 30 s
//! curl -s http://127.0.0.1:9611/metrics
//! ```

use std::time::{Duration, Instant};

use errmon_runtime::{ErrorKind, count_calls, monitored, timed};

#[derive(Debug, ErrorKind)]
enum StoreError {
    NotFound,
    #[error_kind("timeout")]
    TimedOut(Duration),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound => f.write_str("no such user"),
            StoreError::TimedOut(d) => write!(f, "store did not answer within {d:?}"),
        }
    }
}

impl std::error::Error for StoreError {}

struct UserStore;

#[monitored]
impl UserStore {
    /// Ids that are multiples of 7 are missing; multiples of 11 time out.
    fn load(&self, id: u64) -> Result<String, StoreError> {
        std::thread::sleep(Duration::from_micros(200 + id % 5 * 100));
        if id.is_multiple_of(11) {
            return Err(StoreError::TimedOut(Duration::from_millis(50)));
        }
        if id.is_multiple_of(7) {
            return Err(StoreError::NotFound);
        }
        Ok(format!("user-{id}"))
    }

    /// Panics on id 13, which the caller catches.
    fn validate(&self, id: u64) -> bool {
        assert!(id != 13, "user 13 is cursed");
        true
    }
}

#[timed]
fn render(name: &str) -> String {
    format!("<h1>{name}</h1>")
}

#[count_calls]
fn heartbeat() {}

fn seconds_arg() -> Result<Option<u64>, String> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(None),
        (Some("--seconds"), Some(n)) => n
            .parse()
            .map(Some)
            .map_err(|_| format!("--seconds takes a whole number, not `{n}`")),
        (Some(other), _) => Err(format!(
            "unknown argument `{other}`; usage: quickstart [--seconds N]"
        )),
    }
}

fn main() -> std::process::ExitCode {
    let seconds = match seconds_arg() {
        Ok(seconds) => seconds,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let guard = match errmon_runtime::install() {
        Ok(guard) => guard,
        Err(e) => {
            // Each cause once: `InstallError`'s message, then what the OS said, if anything.
            eprintln!("{e}");
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                eprintln!("  caused by: {c}");
                cause = c.source();
            }
            if matches!(e, errmon_runtime::InstallError::Bind { .. }) {
                eprintln!(
                    "another address: ERRMON_LISTEN=127.0.0.1:0 cargo run --example quickstart"
                );
            }
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("errmon is serving metrics at {}", guard.metrics_url());
    println!("try: curl -s {}", guard.metrics_url());
    match seconds {
        Some(n) => println!("running a workload for {n} s"),
        None => println!("running a workload until Ctrl-C"),
    }

    metrics::describe_counter!(
        "quickstart_rounds_total",
        "Workload rounds run, recorded through the metrics facade."
    );
    // Keep the panic of user 13 from printing a backtrace every round. A hook set after
    // `install()` replaces errmon's, so errmon's is chained in front of it again: its panic
    // reports keep their message and location, and this hook still runs after it.
    std::panic::set_hook(Box::new(|_| {}));
    errmon_runtime::errors::install_panic_hook();
    let store = UserStore;
    let start = Instant::now();
    let mut round = 0u64;
    loop {
        for id in round * 20..round * 20 + 20 {
            heartbeat();
            if let Ok(name) = store.load(id) {
                render(&name);
            }
            let _ = std::panic::catch_unwind(|| store.validate(id % 20));
        }
        metrics::counter!("quickstart_rounds_total").increment(1);
        round += 1;
        if seconds.is_some_and(|n| start.elapsed() >= Duration::from_secs(n)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    println!("done after {round} rounds");
    std::process::ExitCode::SUCCESS
}
