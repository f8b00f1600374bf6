use errmon_runtime::retry;

#[retry(jitter = ful)]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
