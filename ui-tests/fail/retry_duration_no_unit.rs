use errmon_runtime::retry;

#[retry(backoff = linear(initial = "10ms", step = "10", max = "1s"))]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
