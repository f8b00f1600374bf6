//! Helpers shared by errmon's integration tests (`publish = false`): a minimal HTTP/1.1 client
//! over `TcpStream`, lookups in Prometheus text, a real Prometheus ([`prometheus`]), a
//! subscriber that keeps every event ([`events`]) and what the log tests share ([`logs`]).
#![allow(
    missing_docs,
    reason = "test helpers, documented where the crate doc names them"
)]

pub mod events;
pub mod logs;
pub mod prometheus;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long a test waits on a socket before it fails instead of hanging. The server's own
/// deadlines are a few seconds, so this only trips when something is stuck.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP response as the client received it.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Status line and headers, without the blank line.
    pub head: String,
    pub body: Vec<u8>,
}

impl Response {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("response body is UTF-8")
    }
}

/// Connects to `addr`, connecting with [`CLIENT_TIMEOUT`] and the same read and write timeouts.
pub fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT)?;
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    Ok(stream)
}

/// Sends `raw` as is and reads until the server closes the connection.
pub fn send_raw(addr: SocketAddr, raw: &[u8]) -> io::Result<Response> {
    let mut stream = connect(addr)?;
    stream.write_all(raw)?;
    read_response(&mut stream)
}

/// Reads a whole response from a connection the server closes after answering.
pub fn read_response(stream: &mut TcpStream) -> io::Result<Response> {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    parse_response(&bytes)
}

pub fn parse_response(bytes: &[u8]) -> io::Result<Response> {
    let bad = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{why}: {:?}", String::from_utf8_lossy(bytes)),
        )
    };
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of head"))?;
    let head = String::from_utf8(bytes[..end].to_vec()).map_err(|_| bad("head is not UTF-8"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status code"))?;
    Ok(Response {
        status,
        head,
        body: bytes[end + 4..].to_vec(),
    })
}

/// `method path` with `Host` and `Connection: close`.
pub fn request(addr: SocketAddr, method: &str, path: &str) -> io::Result<Response> {
    send_raw(
        addr,
        format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path).unwrap_or_else(|e| panic!("GET {path} from {addr}: {e}"))
}

/// The body of `GET /metrics`, which must answer 200.
pub fn scrape(addr: SocketAddr) -> String {
    let r = get(addr, "/metrics");
    assert_eq!(r.status, 200, "GET /metrics: {}", r.head);
    r.text().to_owned()
}

/// Sample lines (`name{labels} value`), without comments and blank lines.
pub fn samples(body: &str) -> impl Iterator<Item = &str> {
    body.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The value of the sample whose series (`name{labels}`, exactly as rendered) is `series`.
pub fn value(body: &str, series: &str) -> Option<f64> {
    samples(body).find_map(|l| {
        let (s, v) = l.rsplit_once(' ')?;
        (s == series).then(|| v.parse().expect("sample value is a number"))
    })
}

/// Fails unless `body` has exactly this line; on failure, shows the lines of the same family.
#[track_caller]
pub fn assert_line(body: &str, line: &str) {
    if body.lines().any(|l| l == line) {
        return;
    }
    let family = line.split(['{', ' ']).next().unwrap_or(line);
    let family = family
        .strip_suffix("_bucket")
        .or_else(|| family.strip_suffix("_count"))
        .or_else(|| family.strip_suffix("_sum"))
        .unwrap_or(family);
    let near: Vec<&str> = body.lines().filter(|l| l.contains(family)).collect();
    panic!(
        "missing line\n  {line}\nlines of `{family}`:\n  {}",
        near.join("\n  ")
    );
}

/// Fails if any sample line contains `fragment`.
#[track_caller]
pub fn assert_no_sample_containing(body: &str, fragment: &str) {
    let found: Vec<&str> = samples(body).filter(|l| l.contains(fragment)).collect();
    assert!(
        found.is_empty(),
        "expected no sample containing {fragment:?}, found:\n  {}",
        found.join("\n  ")
    );
}

/// Looks for `name` in `PATH`, the way `Command` would find it.
pub fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The tool's path, or `None` after printing why the test is skipped: tools of Debian's
/// `prometheus` package, which CI installs and requires with `ERRMON_REQUIRE_PROMETHEUS=1`.
///
/// The notice is written to the process's stderr directly: libtest captures what `eprintln!`
/// prints and shows it only for failing tests, so a skip reported that way would never be
/// seen. A direct write is not captured, and shows in `cargo test`'s output.
pub fn tool(name: &str) -> Option<std::path::PathBuf> {
    if let Some(path) = which(name) {
        return Some(path);
    }
    let missing = format!("{name} not found (install Debian's prometheus package)");
    if std::env::var("ERRMON_REQUIRE_PROMETHEUS").as_deref() == Ok("1") {
        panic!("{missing}, and ERRMON_REQUIRE_PROMETHEUS=1 requires it");
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a Prometheus test")
        .to_owned();
    let notice = format!(
        "note: {test} SKIPPED, passing without checking anything: {missing}; \
         ERRMON_REQUIRE_PROMETHEUS=1 turns this into a failure\n"
    );
    let _ = io::stderr().write_all(notice.as_bytes());
    None
}

/// `promtool check metrics` on `body`: `Err` with what it printed, unless it found nothing.
pub fn promtool_check(promtool: &std::path::Path, body: &str) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("run promtool: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("promtool's stdin")?
        .write_all(body.as_bytes())
        .map_err(|e| format!("write to promtool: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("promtool output: {e}"))?;
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() && report.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n{report}", out.status))
    }
}

/// Facade metrics of a known workload: a counter, a gauge and a histogram, each described.
/// Call it once errmon's recorder is installed; before, the facade drops what it is given.
pub fn facade_workload() {
    metrics::describe_counter!("itest_jobs_total", "Jobs run by the integration test.");
    metrics::counter!("itest_jobs_total", "queue" => "fast").increment(3);
    metrics::describe_gauge!("itest_queue_depth", "Jobs waiting.");
    metrics::gauge!("itest_queue_depth").set(4.0);
    metrics::describe_histogram!(
        "itest_job_duration_seconds",
        metrics::Unit::Seconds,
        "Job durations recorded through the facade."
    );
    // Binary fractions, so the sum prints exactly: 1/1024 s is below the first bound (1 ms).
    for v in [0.0009765625, 0.25, 0.5, 2.0] {
        metrics::histogram!("itest_job_duration_seconds").record(v);
    }
}

/// Keeps panics whose message ends with "panics on purpose" out of the test output; others
/// still print.
pub fn quiet_expected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info.payload().downcast_ref::<String>().map(String::as_str);
        if !msg.is_some_and(|m| m.ends_with("panics on purpose")) {
            default(info);
        }
    }));
}

/// Reads one response from a connection that may stay open (keep-alive): the head, then as
/// many body bytes as `Content-Length` says (none for a `HEAD` request, when `head_only`).
pub fn read_one(stream: &mut TcpStream, head_only: bool) -> io::Result<Response> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    let end = loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return parse_response(&bytes);
        }
        bytes.extend_from_slice(&chunk[..n]);
    };
    let head = parse_response(&bytes[..end + 4])?;
    let length: usize = if head_only {
        0
    } else {
        head.header("Content-Length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    while bytes.len() < end + 4 + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    bytes.truncate(end + 4 + length);
    parse_response(&bytes)
}
