//! A real Prometheus server, started on a free loopback port for one test.

use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A Prometheus server in a temporary directory, killed and cleaned up when dropped.
#[derive(Debug)]
pub struct Prometheus {
    child: Child,
    dir: PathBuf,
    addr: SocketAddr,
}

impl Prometheus {
    /// Scrapes `http://{target}{path}` every second.
    pub fn start(binary: &Path, target: SocketAddr, path: &str) -> Self {
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
                 scrape_configs:\n  - job_name: errmon\n    metrics_path: '{path}'\n    \
                 static_configs:\n      - targets: ['{target}']\n"
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

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// The value of the first sample `query` returns, if any.
    pub fn query(&mut self, query: &str) -> Option<String> {
        self.query_path(format!("/api/v1/query?query={}", url_encode(query)))
    }

    /// [`Prometheus::query`] evaluated at `time`, in seconds since the Unix epoch.
    #[allow(dead_code, reason = "not every test binary evaluates at a given time")]
    pub fn query_at(&mut self, query: &str, time: f64) -> Option<String> {
        self.query_path(format!(
            "/api/v1/query?query={}&time={time:.3}",
            url_encode(query)
        ))
    }

    fn query_path(&mut self, path: String) -> Option<String> {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("prometheus exited ({status}):\n{}", self.log());
        }
        let r = super::request(self.addr, "GET", &path).ok()?;
        (r.status == 200).then(|| first_value(r.text()))?
    }

    /// Polls `query` until it returns `expected`; fails after a minute with what it saw.
    pub fn wait_for(&mut self, query: &str, expected: &str) {
        let give_up = Instant::now() + Duration::from_secs(60);
        let mut last = None;
        while Instant::now() < give_up {
            last = self.query(query);
            if last.as_deref() == Some(expected) {
                return;
            }
            thread::sleep(Duration::from_millis(250));
        }
        let targets = super::get(self.addr, "/api/v1/targets");
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
