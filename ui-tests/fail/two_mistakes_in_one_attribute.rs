use errmon_runtime::monitored;

#[monitored(nmae = "load_user", labels(__tier = "gold"))]
fn load(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = load(1);
}
