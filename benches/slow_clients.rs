//! Scrape latency while slow clients hold connections: 200 connections that each send one
//! byte of a request head a second (reconnecting when cut off), and 2 clients that read the
//! plain `/metrics` text (2.7 MB) at 512 B/s (reconnecting when cut off), against a process
//! with 1,000 `#[monitored]` functions. Meanwhile a scraper asks for `/metrics` with gzip, as
//! Prometheus does, every 50 ms for 15 s, and the p50, p99 and worst latency are printed.
//!
//! ```text
//! cargo bench --bench slow_clients
//! ```
//!
//! Target (issue 7): p99 under 50 ms. Loopback only.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use errmon_runtime::Config;
use errmon_runtime::log::{LogSettings, Output};

#[path = "support/generate.rs"]
#[macro_use]
mod generate;

/// 10 x 10 modules of 10 functions.
mod generated {
    tens!(hundred);
}

fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.set_write_timeout(Some(Duration::from_secs(5)))?;
    Ok(s)
}

fn shrink_receive_buffer(s: &TcpStream) {
    let size: libc::c_int = 4096;
    // SAFETY: a valid socket, and an option value of the size given.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&raw const size).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// Reads the plain text at 512 B/s, reconnecting whenever the server cuts it off.
fn slow_reader(addr: SocketAddr, stop: Arc<AtomicBool>) {
    thread::spawn(move || {
        while !stop.load(Ordering::Acquire) {
            let Ok(mut s) = connect(addr) else { continue };
            shrink_receive_buffer(&s);
            if s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .is_err()
            {
                continue;
            }
            let mut buf = [0u8; 128];
            while !stop.load(Ordering::Acquire) {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => thread::sleep(Duration::from_millis(250)),
                }
            }
        }
    });
}

/// 200 connections sending a byte a second.
fn slowloris(addr: SocketAddr, stop: Arc<AtomicBool>, cut: Arc<AtomicU64>) {
    const HEAD: &[u8] = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n";
    thread::spawn(move || {
        let mut conns: Vec<(Option<TcpStream>, usize)> = (0..200).map(|_| (None, 0)).collect();
        while !stop.load(Ordering::Acquire) {
            for (conn, sent) in &mut conns {
                if conn.is_none() {
                    *conn = connect(addr).ok();
                    *sent = 0;
                }
                if let Some(s) = conn {
                    if s.write_all(&HEAD[*sent % HEAD.len()..][..1]).is_err() {
                        *conn = None;
                        cut.fetch_add(1, Ordering::Relaxed);
                    } else {
                        *sent += 1;
                    }
                }
            }
            thread::sleep(Duration::from_secs(1));
        }
    });
}

/// The plain and gzip body lengths.
fn sizes(addr: SocketAddr) -> (usize, usize) {
    let len = |gzip: bool| {
        let mut s = connect(addr).expect("connect");
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
        let mut bytes = Vec::new();
        s.read_to_end(&mut bytes).expect("read");
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a head");
        bytes.len() - end - 4
    };
    (len(false), len(true))
}

fn scrape(addr: SocketAddr) -> Duration {
    let t = Instant::now();
    let mut s = connect(addr).expect("connect");
    s.write_all(
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    )
    .expect("write");
    let mut bytes = Vec::new();
    s.read_to_end(&mut bytes).expect("read");
    assert!(
        bytes.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
    );
    t.elapsed()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    for n in 0..13 {
        generated::call_all(n);
    }
    // No log lines: writing one per error would be part of what is measured.
    let guard = Config::default()
        .logs(LogSettings::default().output(Output::Off))
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install errmon");
    let addr = guard.local_addr();
    let (plain, gzip) = sizes(addr);
    let idle: Vec<Duration> = (0..20).map(|_| scrape(addr)).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let senders_cut = Arc::new(AtomicU64::new(0));
    for _ in 0..2 {
        slow_reader(addr, Arc::clone(&stop));
    }
    slowloris(addr, Arc::clone(&stop), Arc::clone(&senders_cut));
    thread::sleep(Duration::from_secs(3));

    let end = Instant::now() + Duration::from_secs(15);
    let mut times = Vec::new();
    while Instant::now() < end {
        times.push(scrape(addr));
        thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Release);
    let t = Instant::now();
    drop(guard);
    let dropped = t.elapsed();

    let report = |what: &str, mut t: Vec<Duration>| {
        t.sort();
        let at = |p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
        println!(
            "{what}: {} scrapes, p50 {}, p99 {}, max {}",
            t.len(),
            ms(at(0.5)),
            ms(at(0.99)),
            ms(at(1.0))
        );
    };
    println!("1,000 #[monitored] functions, gzip scrapes, loopback");
    println!("body: {plain} bytes plain, {gzip} bytes gzip");
    report("without slow clients", idle);
    report("with 200 slow senders and 2 slow readers", times);
    // The readers' cut-off (at the 10 s response deadline) reaches them only once they have
    // read what their socket still holds, after this run; tests/slow_clients.rs checks it.
    println!(
        "slow senders cut off meanwhile at the 2 s head deadline: {}",
        senders_cut.load(Ordering::Relaxed)
    );
    println!(
        "guard dropped with all of them connected in {}",
        ms(dropped)
    );
}
