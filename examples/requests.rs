//! A small request-handling flow whose failures can be read back at `/errors`: a few handlers,
//! some failing with ids in their messages, a panic, a retried dependency, each request with
//! its own request id and user.
//!
//! ```text
//! cargo run --example requests                 # serves until Ctrl-C
//! cargo run --example requests -- --seconds 30 # serves for 30 s
//! curl -s 'http://127.0.0.1:9611/errors?limit=3'
//! ```

use std::time::{Duration, Instant};

use errmon_runtime::context::Context;
use errmon_runtime::{ErrorKind, monitored, retry};

/// What the payment provider answers.
#[derive(Debug, ErrorKind)]
enum PaymentError {
    Declined {
        order: u64,
        card: &'static str,
    },
    #[error_kind("timeout")]
    #[error_severity("warning")]
    TimedOut(Duration),
}

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PaymentError::Declined { order, card } => {
                write!(f, "card {card} declined for order {order}")
            }
            PaymentError::TimedOut(d) => write!(f, "payment provider did not answer within {d:?}"),
        }
    }
}

impl std::error::Error for PaymentError {}

/// What a handler answers when it fails: the cause stays in the chain.
#[derive(Debug, ErrorKind)]
enum CheckoutError {
    #[error_kind(transparent)]
    Payment(PaymentError),
    OutOfStock(u64),
}

impl std::fmt::Display for CheckoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckoutError::Payment(_) => f.write_str("checkout failed: payment refused"),
            CheckoutError::OutOfStock(sku) => write!(f, "item {sku} is out of stock"),
        }
    }
}

impl std::error::Error for CheckoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckoutError::Payment(e) => Some(e),
            CheckoutError::OutOfStock(_) => None,
        }
    }
}

/// A flaky provider: every fourth call times out; orders ending in 7 are declined.
#[retry(attempts = 3, backoff = constant(delay = "5ms"), when = is_timeout)]
fn charge(order: u64, attempt_seed: &mut u64) -> Result<(), PaymentError> {
    *attempt_seed += 1;
    if attempt_seed.is_multiple_of(4) {
        return Err(PaymentError::TimedOut(Duration::from_millis(800)));
    }
    if order % 10 == 7 {
        let card = if order % 20 == 7 { "visa" } else { "amex" };
        return Err(PaymentError::Declined { order, card });
    }
    Ok(())
}

fn is_timeout(e: &PaymentError) -> bool {
    matches!(e, PaymentError::TimedOut(_))
}

#[monitored(fields(order = order))]
fn checkout(order: u64, sku: u64, seed: &mut u64) -> Result<String, CheckoutError> {
    // The application's own log line: written by errmon's subscriber (`log::init()` in `main`),
    // it carries the request too.
    tracing::info!(order, sku, "checking out");
    if sku.is_multiple_of(13) {
        return Err(CheckoutError::OutOfStock(sku));
    }
    charge(order, seed).map_err(CheckoutError::Payment)?;
    Ok(format!("order {order} placed"))
}

#[monitored]
fn render_receipt(order: u64) -> String {
    // A bug that shows up once in a while: the receipt template has no room for big orders.
    assert!(
        order % 50 != 49,
        "receipt template overflow for order {order}"
    );
    format!("receipt for {order}")
}

/// One request: its own id and user, every report and panic of it carrying both.
fn handle(request: u64, seed: &mut u64) {
    let user = ["ada", "bob", "cyd", "dee"][(request % 4) as usize];
    let ctx = Context::from_request_id(Some(&format!("req-{request:06}"))).with_user_id(user);
    ctx.scope(|| {
        let order = 1000 + request;
        if checkout(order, request * 7, seed).is_ok() {
            let _ = std::panic::catch_unwind(|| render_receipt(order));
        }
    });
}

fn seconds_arg() -> Result<Option<u64>, String> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(None),
        (Some("--seconds"), Some(n)) => n
            .parse()
            .map(Some)
            .map_err(|_| format!("--seconds takes a whole number, not `{n}`")),
        (Some(other), _) => Err(format!(
            "unknown argument `{other}`; usage: requests [--seconds N]"
        )),
    }
}

/// Prints `e` and each of its causes once.
fn failed(e: &dyn std::error::Error) -> std::process::ExitCode {
    eprintln!("{e}");
    let mut cause = e.source();
    while let Some(c) = cause {
        eprintln!("  caused by: {c}");
        cause = c.source();
    }
    std::process::ExitCode::FAILURE
}

fn main() -> std::process::ExitCode {
    let seconds = match seconds_arg() {
        Ok(seconds) => seconds,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    // Quiet the panics of `render_receipt`; set before `install()`, whose panic hook records
    // each panic as a report and then calls this one.
    std::panic::set_hook(Box::new(|_| {}));
    let guard = match errmon_runtime::install() {
        Ok(guard) => guard,
        Err(e) => return failed(&e),
    };
    // errmon's JSON lines become the application's: its own `checking out` lines are written
    // next to errmon's reports, on stderr or in the file of `ERRMON_LOG=file:PATH`.
    let _logs = match errmon_runtime::log::init() {
        Ok(logs) => logs,
        Err(e) => return failed(&e),
    };
    let errors = format!("http://{}/errors", guard.local_addr());
    println!("errmon serves error reports at {errors}");
    println!("try: curl -s '{errors}?limit=3'");
    let start = Instant::now();
    let mut seed = 0;
    let mut request = 0;
    loop {
        for _ in 0..10 {
            handle(request, &mut seed);
            request += 1;
        }
        if seconds.is_some_and(|n| start.elapsed() >= Duration::from_secs(n)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("done after {request} requests");
    std::process::ExitCode::SUCCESS
}
