use errmon_runtime::retry;

#[retry(attempts = 4, backoff = linear(initial = "10ms", stpe = "5ms", max = 2), jitter = full)]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
