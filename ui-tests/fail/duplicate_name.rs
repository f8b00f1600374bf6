use errmon_runtime::monitored;

#[monitored(name = "load_user", name = "fetch_user")]
fn load(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = load(1);
}
