//! `#[retry]` on a flaky operation: each attempt, the delay before it and the result, then the
//! retry metrics errmon serves. Finishes by itself in about three seconds.
//!
//! ```text
//! cargo run --example retry
//! ```

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use errmon_runtime::{ErrorKind, retry};

#[derive(Debug, ErrorKind)]
enum FetchError {
    Unavailable,
}

/// What the operation prints about its own attempts, on stdout. `#[retry]` also logs each retry
/// through `tracing`: with no subscriber set here, errmon's own JSON lines on stderr.
struct Attempts {
    start: Instant,
    previous: Option<Instant>,
    count: u32,
}

impl Attempts {
    fn new() -> Self {
        Attempts {
            start: Instant::now(),
            previous: None,
            count: 0,
        }
    }

    fn begin(&mut self) {
        let now = Instant::now();
        self.count += 1;
        let waited = self
            .previous
            .map(|p| format!(", after waiting {:>4} ms", (now - p).as_millis()))
            .unwrap_or_default();
        print!(
            "  attempt {} at +{:>4} ms{waited}: ",
            self.count,
            (now - self.start).as_millis()
        );
        self.previous = Some(now);
    }
}

/// A configuration service that is restarting: it answers `Unavailable` until its
/// `ready_on`-th request. The body is instant, so the wait printed before an attempt is the
/// backoff delay: 200 ms, then doubling (no jitter, so the figures are exact).
#[retry(
    attempts = 4,
    backoff = exponential(initial = "200ms", factor = 2.0, max = "2s"),
    jitter = none,
    max_elapsed = "10s"
)]
fn fetch_config(key: &str, ready_on: u32, attempts: &mut Attempts) -> Result<String, FetchError> {
    attempts.begin();
    if attempts.count < ready_on {
        println!("unavailable");
        return Err(FetchError::Unavailable);
    }
    let value = format!("{key}=42");
    println!("ok, {value}");
    Ok(value)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Port 0: any free port, so the example never clashes with a running errmon.
    let guard = errmon_runtime::Config::default()
        .listen("127.0.0.1:0")
        .install()?;

    println!("fetch_config(\"pool_size\"), the service is ready on the third request:");
    let result = fetch_config("pool_size", 3, &mut Attempts::new());
    println!("  result: {result:?}\n");

    println!("fetch_config(\"timeout\"), the service stays down:");
    let result = fetch_config("timeout", u32::MAX, &mut Attempts::new());
    println!("  result: {result:?} (4 attempts: the whole budget, with no wait after the last)\n");

    println!("retry metrics at {}:", guard.metrics_url());
    let body = scrape(guard.local_addr())?;
    for line in body
        .lines()
        .filter(|l| l.contains("errmon_retry_attempts_total") || l.contains("errmon_retries_"))
    {
        println!("  {line}");
    }
    Ok(())
}

/// `GET /metrics` over a plain `TcpStream`, returning the body.
fn scrape(addr: SocketAddr) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response
        .split_once("\r\n\r\n")
        .map_or(response.as_str(), |(_, body)| body)
        .to_owned())
}
