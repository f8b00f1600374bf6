use errmon_runtime::retry;

fn is_transient(error: &String) -> bool {
    error.contains("unavailable")
}

fn is_timeout(error: &String) -> bool {
    error.contains("timeout")
}

#[retry(when = is_transient, when = is_timeout)]
fn fetch(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
    let _ = (is_transient(&String::new()), is_timeout(&String::new()));
}
