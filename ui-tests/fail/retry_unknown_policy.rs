use errmon_runtime::retry;

#[retry(backoff = exponentail(initial = "100ms"))]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
