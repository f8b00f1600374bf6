use errmon_runtime::retry;

#[retry(backoff = exponential(initial = "2s", max = "500ms"))]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
