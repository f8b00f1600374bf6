use errmon_runtime::monitored;

#[monitored(ok_if = |x| true)]
fn find(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = find(1);
}
