use errmon_runtime::monitored;

#[derive(Debug)]
pub struct Region;

#[monitored(fields(order_id = id, region = Region))]
fn charge(id: u64) -> Result<u64, String> {
    Ok(id)
}

fn main() {
    let _ = charge(1);
}
