use errmon_runtime::retry;

#[retry(attempts = 10000000000)]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
