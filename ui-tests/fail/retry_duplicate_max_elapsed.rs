use errmon_runtime::retry;

#[retry(max_elapsed = "10s", max_elapsed = "30s")]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
