use errmon_runtime::monitored;

#[monitored(fields(id = id, id = id + 1))]
fn charge(id: u64) -> Result<u64, String> {
    Ok(id)
}

#[monitored(fields(id = id), fields(region = "eu"))]
fn refund(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = (charge(1), refund(1));
}
