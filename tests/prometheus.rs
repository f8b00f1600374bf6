//! The endpoint against the real thing: `promtool check metrics` on a scrape, and a Prometheus
//! server scraping the endpoint and answering queries about it.
//!
//! Both tools come with Debian's `prometheus` package. Without them these tests write a
//! `SKIPPED` notice to stderr, which `cargo test` shows (it is not captured), and pass, unless
//! `ERRMON_REQUIRE_PROMETHEUS=1` (as in CI), where they fail. Everything listens
//! on loopback, on ports picked for the test, never on Prometheus's default 9090.

mod support;

use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use errmon_runtime::{Config, ErrorKind, InstallGuard, count_calls, monitored, retry, timed};
use support::{get, promtool_check, scrape, tool};

#[derive(Debug, ErrorKind)]
enum JobError {
    Rejected,
    #[error_kind("timeout")]
    TimedOut,
}

#[monitored(labels(queue = "fast"))]
fn work(n: u32) -> Result<u32, JobError> {
    match n % 5 {
        3 => Err(JobError::Rejected),
        4 => Err(JobError::TimedOut),
        _ => Ok(n),
    }
}

#[timed]
fn render(n: u32) -> String {
    n.to_string()
}

#[count_calls]
fn heartbeat() {}

#[monitored]
#[allow(dead_code)]
fn never_called() {}

/// Fails on odd numbers: two attempts each, then gives up.
#[retry(attempts = 2, backoff = constant(delay = "1ms"), jitter = none)]
fn flaky(n: u32) -> Result<u32, JobError> {
    if n % 2 == 1 {
        Err(JobError::TimedOut)
    } else {
        Ok(n)
    }
}

fn endpoint() -> SocketAddr {
    static GUARD: OnceLock<InstallGuard> = OnceLock::new();
    GUARD
        .get_or_init(|| {
            for n in 0..5 {
                let _ = work(n);
                render(n);
                heartbeat();
                let _ = flaky(n);
            }
            let guard = Config::default()
                .listen("127.0.0.1:0")
                .const_label("service", "itest")
                // Label values are escaped; Prometheus must read them back.
                .const_label("note", "a \"quoted\" back\\slash\nnewline")
                .install()
                .expect("install errmon");
            support::facade_workload();
            guard
        })
        .local_addr()
}

#[test]
fn promtool_finds_no_problem_in_a_scrape() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let body = scrape(endpoint());
    assert!(
        body.contains("itest_job_duration_seconds_bucket"),
        "the scrape includes facade metrics: {body}"
    );
    if let Err(report) = promtool_check(&promtool, &body) {
        panic!("promtool check metrics: {report}\non:\n{body}");
    }
}

/// A Prometheus server in a temporary directory, killed and cleaned up when dropped.
struct Prometheus {
    child: Child,
    dir: PathBuf,
    addr: SocketAddr,
}

impl Prometheus {
    fn start(binary: &Path, target: SocketAddr) -> Self {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("errmon-prometheus-{}-{stamp}", std::process::id()));
        fs::create_dir_all(dir.join("data")).expect("create a temporary directory");
        let config = dir.join("prometheus.yml");
        fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                 scrape_configs:\n  - job_name: errmon\n    static_configs:\n      \
                 - targets: ['{target}']\n"
            ),
        )
        .expect("write prometheus.yml");
        // A free loopback port: bound and released, so nothing else listens there now.
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("pick a port");
        let log = fs::File::create(dir.join("prometheus.log")).expect("create the log");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        Prometheus { child, dir, addr }
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// The value of the first sample `query` returns, if any.
    fn query(&mut self, query: &str) -> Option<String> {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("prometheus exited ({status}):\n{}", self.log());
        }
        let path = format!("/api/v1/query?query={}", url_encode(query));
        let r = support::request(self.addr, "GET", &path).ok()?;
        (r.status == 200).then(|| first_value(r.text()))?
    }

    /// Polls `query` until it returns `expected`; fails after a minute with what it saw.
    fn wait_for(&mut self, query: &str, expected: &str) {
        let give_up = Instant::now() + Duration::from_secs(60);
        let mut last = None;
        while Instant::now() < give_up {
            last = self.query(query);
            if last.as_deref() == Some(expected) {
                return;
            }
            thread::sleep(Duration::from_millis(250));
        }
        let targets = get(self.addr, "/api/v1/targets");
        panic!(
            "`{query}` was {last:?}, not {expected:?}, after 60 s\ntargets: {}\nlog:\n{}",
            targets.text(),
            self.log()
        );
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `"value":[<time>,"<value>"]` of the first result in a `/api/v1/query` answer.
fn first_value(json: &str) -> Option<String> {
    let rest = json.split("\"value\":[").nth(1)?;
    let rest = rest.split_once(",\"")?.1;
    Some(rest.split_once('"')?.0.to_owned())
}

#[test]
fn prometheus_scrapes_the_endpoint_and_answers_queries() {
    let Some(binary) = tool("prometheus") else {
        return;
    };
    let target = endpoint();
    let mut prometheus = Prometheus::start(&binary, target);
    prometheus.wait_for(r#"errmon_calls_total{function="work"}"#, "5");
    for (query, expected) in [
        (r#"up{job="errmon"}"#, "1"),
        (
            r#"errmon_call_outcomes_total{function="work",outcome="error"}"#,
            "2",
        ),
        (
            r#"errmon_errors_total{function="work",error_type="JobError",error_kind="timeout"}"#,
            "1",
        ),
        (
            r#"errmon_call_duration_seconds_count{function="render",queue=""}"#,
            "5",
        ),
        (r#"errmon_calls_total{function="heartbeat"}"#, "5"),
        (r#"errmon_calls_total{function="never_called"}"#, "0"),
        (r#"errmon_retry_attempts_total{function="flaky"}"#, "7"),
        (r#"errmon_retries_total{function="flaky"}"#, "2"),
        (r#"errmon_retries_exhausted_total{function="flaky"}"#, "2"),
        (r#"itest_jobs_total{queue="fast"}"#, "3"),
        (r#"itest_job_duration_seconds_bucket{le="1"}"#, "3"),
        (
            r#"count(errmon_calls_total{service="itest",note="a \"quoted\" back\\slash\nnewline"})"#,
            "3",
        ),
    ] {
        assert_eq!(
            prometheus.query(query).as_deref(),
            Some(expected),
            "{query}"
        );
    }
}
