use errmon_runtime::retry;

#[retry(backoff = constant(delay = "10ms"), backoff = exponential(initial = "10ms"))]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
