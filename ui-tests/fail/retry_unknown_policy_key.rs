use errmon_runtime::retry;

#[retry(backoff = exponential(inital = "100ms", max = "5s"))]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
