use std::time::Duration;

use errmon_runtime::retry;

async fn pause(delay: Duration) {
    let _ = delay;
}

async fn wait(delay: Duration) {
    let _ = delay;
}

#[retry(sleep = pause, sleep = wait)]
async fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
    let _ = (pause(Duration::ZERO), wait(Duration::ZERO));
}
