use errmon_runtime::monitored;

#[monitored(error_if = Option::is_none, error_if = Option::is_some)]
fn find(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = find(1);
}
