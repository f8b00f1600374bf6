use errmon_runtime::monitored;

#[monitored(name = 5)]
fn load(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = load(1);
}
