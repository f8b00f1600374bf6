//! Past the cap of 512 connections, a new connection gets `503` at once, and the endpoint
//! serves again as soon as connections close.

use errmon_test_support as support;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use errmon_runtime::Config;
use support::{connect, get, read_response};

/// The server's cap (README, "The endpoint").
const MAX_CONNECTIONS: usize = 512;

/// Both ends of every connection live in this process: make sure it may open them all.
fn raise_file_limit(needed: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid pointer to an rlimit.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut lim);
        if lim.rlim_cur < needed {
            lim.rlim_cur = needed.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &raw const lim);
        }
    }
}

#[test]
fn past_the_cap_new_connections_get_503_at_once() {
    raise_file_limit(4 * MAX_CONNECTIONS as u64 + 256);
    let guard = Config::default()
        .listen("127.0.0.1:0")
        .capture_facade(false)
        .install()
        .expect("install errmon");
    let addr = guard.local_addr();
    // Connections that each get one answer, so each is surely accepted, and then stay open
    // (kept alive, idle) until the head deadline, 2 s after their answer.
    let held: Vec<TcpStream> = (0..MAX_CONNECTIONS)
        .map(|_| {
            let mut s = connect(addr).expect("connect");
            std::io::Write::write_all(&mut s, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
            let r = support::read_one(&mut s, false).expect("an answer below the cap");
            assert_eq!(r.status, 200, "{}", r.head);
            s
        })
        .collect();
    let t = Instant::now();
    let mut extra = connect(addr).expect("connect past the cap");
    std::io::Write::write_all(&mut extra, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let r = read_response(&mut extra).expect("an answer past the cap");
    assert_eq!(r.status, 503, "{}", r.head);
    assert_eq!(r.header("Retry-After"), Some("1"));
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "the 503 took {:?}",
        t.elapsed()
    );
    drop(held);
    // Closed connections free their slots at once.
    let give_up = Instant::now() + Duration::from_secs(5);
    loop {
        let r = get(addr, "/metrics");
        if r.status == 200 {
            break;
        }
        assert!(
            Instant::now() < give_up,
            "still {} after the connections closed",
            r.status
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
