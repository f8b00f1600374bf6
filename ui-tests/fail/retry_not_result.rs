use errmon_runtime::retry;

#[retry(attempts = 3)]
fn fetch(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = fetch(1);
}
