use errmon_runtime::monitored;

#[monitored(severity = "warn")]
fn load(id: u64) -> Result<u64, String> {
    Ok(id)
}

#[monitored(severity = "fatal")]
fn save(id: u64) -> Result<u64, String> {
    Ok(id)
}

#[monitored(severity = 3)]
fn drop_all(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = (load(1), save(1), drop_all(1));
}
