use errmon_runtime::{monitored, timed};

#[monitored]
#[timed]
fn find(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = find(1);
}
