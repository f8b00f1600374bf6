// Without errmon-runtime's `tokio` feature, an async `#[retry]` needs `sleep = path`.
use errmon_runtime::retry;

#[derive(Debug)]
struct Busy;

#[retry(attempts = 3)]
async fn fetch() -> Result<u8, Busy> {
    Err(Busy)
}

fn main() {
    drop(fetch());
}
