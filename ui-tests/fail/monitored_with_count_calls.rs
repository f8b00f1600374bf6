use errmon_runtime::{count_calls, monitored};

#[count_calls]
#[monitored]
fn find(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = find(1);
}
