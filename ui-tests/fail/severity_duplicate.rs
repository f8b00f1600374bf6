use errmon_runtime::monitored;

#[monitored(severity = "info", severity = "critical")]
fn load(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = load(1);
}
