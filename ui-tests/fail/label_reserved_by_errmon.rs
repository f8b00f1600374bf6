use errmon_runtime::monitored;

#[monitored(labels(outcome = "ok"))]
fn load(id: u64) -> Option<u64> {
    Some(id)
}

fn main() {
    let _ = load(1);
}
