use errmon_runtime::monitored;

#[monitored(ok_if = Option::is_some, error_if = Option::is_none)]
fn find(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = find(1);
}
