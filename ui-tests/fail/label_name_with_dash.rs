use errmon_runtime::monitored;

#[monitored(labels(Bad-Name = "x"))]
fn load() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = load();
}
