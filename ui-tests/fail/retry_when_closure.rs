use errmon_runtime::retry;

#[retry(when = |e: &String| e.contains("timeout"))]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
