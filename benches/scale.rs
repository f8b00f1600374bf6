//! The endpoint at 10,000 `#[monitored]` functions: scrape time, body size plain and gzip,
//! the CPU cost of each gzip level, and the process's RSS idle, after 10 s of load, and at its
//! peak during 4 concurrent scrapes.
//!
//! ```text
//! cargo bench --bench scale
//! ```
//!
//! Everything runs pinned to one core (the server, the clients and the callers share it), on
//! loopback. The functions are generated below by `macro_rules!`: 1,000 modules of 10
//! functions each, every one called, some returning errors, so every one has shards, outcomes
//! and an error series. Targets (issue 7): a scrape under 50 ms; RSS after the load within
//! 10 % of before it; peak RSS during 4 concurrent scrapes under 2x the idle RSS.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use errmon_runtime::Config;
use errmon_runtime::log::{LogSettings, Output};

#[path = "support/generate.rs"]
#[macro_use]
mod generate;

/// 10 x 10 x 10 modules of 10 functions.
mod generated {
    tens!(thousand);
}

/// A function of its own name, whose history `/history?function=checkout` reads while
/// `/metrics` renders.
#[errmon_runtime::monitored]
fn checkout(n: u64) -> Result<u64, generate::GeneratedError> {
    if n.is_multiple_of(7) {
        Err(generate::GeneratedError::Refused)
    } else {
        Ok(n)
    }
}

/// Lets every thread of the process (errmon's server and render threads included, which
/// inherited the pinning) run on every core again.
fn unpin() {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task");
    for task in tasks.flatten() {
        let Some(tid) = task
            .file_name()
            .to_str()
            .and_then(|t| t.parse::<i32>().ok())
        else {
            continue;
        };
        // SAFETY: as in `pin_to_one_core`, with every core of the machine, for thread `tid`.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for cpu in 0..libc::CPU_SETSIZE as usize {
                libc::CPU_SET(cpu, &mut set);
            }
            libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &raw const set);
        }
    }
}

/// A cheap route's answer time while plain `/metrics` renders of the 10,000 functions run back
/// to back on another connection: the median and p99 of `path` over 200 requests, and how
/// many renders were in progress meanwhile. Cheap routes are answered on the server's own
/// thread, never behind the render.
fn cheap_while_rendering(addr: SocketAddr, path: &str, render: bool) -> (Duration, Duration, u64) {
    let stop = Arc::new(AtomicBool::new(!render));
    let renders = Arc::new(AtomicU64::new(0));
    let scraper = {
        let (stop, renders) = (Arc::clone(&stop), Arc::clone(&renders));
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                scrape(addr, false);
                renders.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    thread::sleep(Duration::from_millis(100));
    let mut conn = TcpStream::connect(addr).expect("connect");
    conn.set_nodelay(true).expect("nodelay");
    let mut buf = vec![0u8; 1 << 20];
    let (median, p99) = timings(
        || {
            write!(conn, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
            let mut got = Vec::new();
            // One response of a known length, on a kept-alive connection.
            loop {
                let n = conn.read(&mut buf).expect("read");
                assert!(n > 0, "closed");
                got.extend_from_slice(&buf[..n]);
                let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .expect("content-length");
                if got.len() >= end + 4 + len {
                    break;
                }
            }
        },
        200,
    );
    stop.store(true, Ordering::Relaxed);
    scraper.join().expect("scraper");
    (median, p99, renders.load(Ordering::Relaxed))
}

const FUNCTIONS: usize = 10_000;

fn pin_to_one_core() {
    // SAFETY: a zeroed cpu_set_t is empty; CPU_SET writes inside it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(0, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &raw const set);
    }
}

/// A field of /proc/self/status, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

fn rss_mib() -> f64 {
    status_kib("VmRSS:") as f64 / 1024.0
}

/// Resets the peak RSS (`VmHWM`) to the current RSS.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_mib() -> f64 {
    status_kib("VmHWM:") as f64 / 1024.0
}

/// One scrape; returns the body length. The body is counted, not kept: the clients run in the
/// measured process, and 4 of them holding 27 MB each would be counted as the server's.
fn scrape(addr: SocketAddr, gzip: bool) -> usize {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let enc = if gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: x\r\n{enc}Connection: close\r\n\r\n"
    )
    .expect("write");
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let mut total = 0;
    let mut body_at = None;
    loop {
        let n = s.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        if body_at.is_none() {
            head.extend_from_slice(&buf[..n]);
            body_at = head
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|p| p + 4);
        }
        total += n;
    }
    let body_at = body_at.expect("a head");
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head[..body_at])
    );
    total - body_at
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn timings(mut f: impl FnMut(), n: usize) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    (percentile(&t, 0.5), percentile(&t, 0.99))
}

fn gzip_cost(plain: &[u8]) {
    use flate2::{Compression, write::GzEncoder};
    for level in [1, 3, 6, 9] {
        let mut size = 0;
        let (median, _) = timings(
            || {
                let mut enc = GzEncoder::new(Vec::new(), Compression::new(level));
                enc.write_all(plain).expect("gzip");
                size = enc.finish().expect("gzip").len();
            },
            5,
        );
        println!("  gzip level {level}: {} for {size} bytes", ms(median));
    }
}

fn peak_of_4_concurrent(addr: SocketAddr, gzip: bool, idle: f64) {
    reset_peak();
    let start = Arc::new(Barrier::new(4));
    let scrapers: Vec<_> = (0..4)
        .map(|_| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                scrape(addr, gzip)
            })
        })
        .collect();
    for s in scrapers {
        s.join().expect("scraper");
    }
    let peak = peak_mib();
    let what = if gzip { "gzip" } else { "plain" };
    println!(
        "RSS peak during 4 concurrent {what} scrapes: {peak:.1} MiB ({:.2}x idle)",
        peak / idle
    );
}

/// 10 s of 4 clients scraping with gzip, as Prometheus servers do, while 2 threads call
/// every function; returns the number of scrapes.
fn load(addr: SocketAddr) -> u64 {
    let stop = Arc::new(AtomicBool::new(false));
    let scrapes = Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    for _ in 0..4 {
        let (stop, scrapes) = (Arc::clone(&stop), Arc::clone(&scrapes));
        threads.push(thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                scrape(addr, true);
                scrapes.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for _ in 0..2 {
        let stop = Arc::clone(&stop);
        threads.push(thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Acquire) {
                generated::call_all(n);
                n += 1;
            }
        }));
    }
    thread::sleep(Duration::from_secs(10));
    stop.store(true, Ordering::Release);
    for t in threads {
        t.join().expect("load thread");
    }
    scrapes.load(Ordering::Relaxed)
}

fn main() {
    pin_to_one_core();
    // Every function returns each of its outcomes once before anything is measured: error
    // tables are created on a site's first error, and would otherwise grow the RSS during the
    // load below for reasons that have nothing to do with scraping.
    for n in 0..13 {
        generated::call_all(n);
    }
    let sites = errmon_runtime::sites::all().len();
    assert!(sites >= FUNCTIONS, "{sites} sites");
    println!("{FUNCTIONS} #[monitored] functions, each called; one core; loopback");

    // No log lines: writing one per error would be part of what is measured.
    let guard = Config::default()
        .logs(LogSettings::default().output(Output::Off))
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install errmon");
    let addr = guard.local_addr();

    // Idle: installed and scraped the way Prometheus scrapes, nothing in progress.
    let gzip_len = scrape(addr, true);
    thread::sleep(Duration::from_millis(500));
    let idle = rss_mib();
    println!("RSS idle (after one gzip scrape): {idle:.1} MiB");
    peak_of_4_concurrent(addr, true, idle);
    let scrapes = load(addr);
    thread::sleep(Duration::from_millis(500));
    let after = rss_mib();
    println!(
        "RSS after 10 s of load ({scrapes} gzip scrapes by 4 clients, 2 threads calling every \
         function): {after:.1} MiB ({:+.1} % of idle)",
        (after / idle - 1.0) * 100.0
    );
    let (median, p99) = timings(
        || {
            scrape(addr, true);
        },
        20,
    );
    println!(
        "scrape over HTTP, gzip: median {}, p99 {}",
        ms(median),
        ms(p99)
    );

    // Plain scrapes (curl, a browser) hold the whole text: 25 MB here.
    let plain_len = scrape(addr, false);
    println!("body: {plain_len} bytes plain, {gzip_len} bytes gzip");
    let (median, p99) = timings(
        || {
            scrape(addr, false);
        },
        20,
    );
    println!(
        "scrape over HTTP, plain: median {}, p99 {}",
        ms(median),
        ms(p99)
    );
    let before = rss_mib();
    println!(
        "RSS after those plain scrapes: {before:.1} MiB ({:.2}x idle)",
        before / idle
    );
    peak_of_4_concurrent(addr, false, idle);

    // Both cores from here: the render on one, the server's thread and the client on the other.
    unpin();
    for n in 0..20 {
        let _ = checkout(n);
    }
    for path in [
        "/history?window=60s&function=checkout",
        "/history?window=60s",
        "/errors?limit=5",
    ] {
        for render in [false, true] {
            let (median, p99, renders) = cheap_while_rendering(addr, path, render);
            let when = if render {
                format!("while /metrics renders ({renders} renders)")
            } else {
                "alone".to_owned()
            };
            println!(
                "GET {path} {when}: median {:.3} ms, p99 {:.3} ms",
                median.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3,
            );
        }
    }
    drop(guard);

    let renderer =
        errmon_runtime::export::Renderer::new(Config::default().validate().expect("config"));
    let plain = renderer.render();
    let (median, p99) = timings(|| drop(renderer.render()), 20);
    println!(
        "render alone (Renderer::render): median {}, p99 {}",
        ms(median),
        ms(p99)
    );
    gzip_cost(plain.as_bytes());
}
