//! `install()` as a user meets it: the errors it returns and the life of the endpoint it starts.
//!
//! errmon can be installed once at a time per process, so every test here holds `LOCK`.

use errmon_test_support as support;

use std::io::ErrorKind as IoErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Mutex, MutexGuard, PoisonError};

use errmon_runtime::{Config, InstallError, count_calls};
use support::{assert_line, scrape};

static LOCK: Mutex<()> = Mutex::new(());

fn serialised() -> MutexGuard<'static, ()> {
    // A failed test poisons the lock; the others should still run.
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

fn on_any_port() -> Config {
    Config::default().listen("127.0.0.1:0")
}

#[count_calls]
fn ping() {}

#[test]
fn a_second_install_is_refused_while_the_first_guard_lives() {
    let _l = serialised();
    let first = on_any_port().install().expect("first install");
    let err = on_any_port().install().expect_err("second install");
    assert!(matches!(err, InstallError::AlreadyInstalled), "{err:?}");
    assert_eq!(
        err.to_string(),
        "errmon is already installed in this process; keep the first InstallGuard instead of installing twice"
    );
    // The refused install leaves the first endpoint serving.
    assert!(scrape(first.local_addr()).contains("# TYPE errmon_calls_total counter"));
}

#[test]
fn a_port_in_use_is_a_bind_error_naming_the_address() {
    let _l = serialised();
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let addr = taken.local_addr().expect("local addr").to_string();
    let err = Config::default()
        .listen(addr.clone())
        .install()
        .expect_err("the port is taken");
    match &err {
        InstallError::Bind { addr: a, source } => {
            assert_eq!(a, &addr);
            assert_eq!(source.kind(), IoErrorKind::AddrInUse, "{source}");
        }
        other => panic!("expected Bind, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("cannot listen on `{addr}`: ")),
        "{msg}"
    );
    assert!(std::error::Error::source(&err).is_some());
    // A failed install does not count as installed.
    let guard = on_any_port().install().expect("install after a failed one");
    drop(guard);
}

#[test]
fn a_bad_listen_address_is_a_config_error_naming_it() {
    let _l = serialised();
    for bad in ["not an address", "127.0.0.1", "127.0.0.1:99999", ""] {
        let err = Config::default().listen(bad).install().expect_err(bad);
        assert!(matches!(err, InstallError::Config(_)), "{bad:?}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!(
                "invalid errmon configuration: listen address `{bad}` is not valid"
            )),
            "{bad:?}: {msg}"
        );
    }
}

#[test]
fn bad_buckets_and_labels_are_config_errors_naming_the_value() {
    let _l = serialised();
    let cases: [(Config, &str); 3] = [
        (
            on_any_port().duration_buckets([0.0033]),
            "duration bucket 0.0033 is not on errmon's grid",
        ),
        (
            on_any_port().duration_buckets([0.1, 0.01]),
            "duration buckets must increase: 0.01 follows 0.1",
        ),
        (
            on_any_port().const_label("le", "x"),
            "constant label name `le` is reserved",
        ),
    ];
    for (config, expected) in cases {
        let err = config.install().expect_err(expected);
        assert!(matches!(err, InstallError::Config(_)), "{err:?}");
        assert!(err.to_string().contains(expected), "{err}");
    }
}

fn connect_refused(addr: SocketAddr) -> bool {
    matches!(TcpStream::connect(addr), Err(e) if e.kind() == IoErrorKind::ConnectionRefused)
}

#[test]
fn dropping_the_guard_stops_the_server_and_errmon_can_be_installed_again() {
    let _l = serialised();
    ping();
    let guard = on_any_port().install().expect("install");
    let addr = guard.local_addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    assert_eq!(guard.metrics_url(), format!("http://{addr}/metrics"));
    let line = r#"errmon_calls_total{function="ping",module="install"} 1"#;
    assert_line(&scrape(addr), line);
    drop(guard);
    assert!(connect_refused(addr), "{addr} still accepts connections");

    // Again on the same address: a restart keeps its port.
    let again = Config::default()
        .listen(addr.to_string())
        .install()
        .expect("install again on the same address");
    assert_eq!(again.local_addr(), addr);
    ping();
    assert_line(
        &scrape(addr),
        r#"errmon_calls_total{function="ping",module="install"} 2"#,
    );
    drop(again);
    assert!(connect_refused(addr), "{addr} still accepts connections");
}

/// Each error of the chain, outermost first, as `{}` prints it.
fn chain(e: &dyn std::error::Error) -> Vec<String> {
    let mut out = vec![e.to_string()];
    let mut next = e.source();
    while let Some(cause) = next {
        out.push(cause.to_string());
        next = cause.source();
    }
    out
}

#[test]
fn printing_the_error_chain_shows_each_cause_once() {
    let _l = serialised();
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let addr = taken.local_addr().expect("local addr").to_string();
    let err = Config::default()
        .listen(addr.clone())
        .install()
        .expect_err("the port is taken");
    let printed = chain(&err);
    assert_eq!(printed.len(), 2, "{printed:?}");
    let os = &printed[1];
    assert_eq!(
        printed.join(": ").matches(os.as_str()).count(),
        1,
        "{printed:?}"
    );
    assert!(printed[0].contains(&addr), "{printed:?}");

    let err = Config::default()
        .listen("127.0.0.1:0")
        .duration_buckets([0.0033])
        .install()
        .expect_err("off the grid");
    let printed = chain(&err);
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert_eq!(printed[0].matches("0.0033").count(), 1, "{printed:?}");
}
