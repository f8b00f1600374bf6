use errmon_runtime::retry;

#[retry(max_elapsed = "-1s")]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
