use errmon_runtime::retry;

#[retry(backoff = exponential(initial = "100ms", factor = 0.5))]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
