use errmon_runtime::retry;

#[retry(name = "fetch", name = "fetch_user")]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
