use errmon_runtime::monitored;

#[monitored(fields("order-id" = id, order-id = id, 2nd = id))]
fn charge(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = charge(1);
}
