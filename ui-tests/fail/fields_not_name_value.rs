use errmon_runtime::monitored;

pub struct Order {
    pub id: u64,
}

#[monitored(fields(order.id))]
fn charge(order: &Order) -> Result<u64, String> {
    Ok(order.id)
}

#[monitored(fields = order.id)]
fn refund(order: &Order) -> Result<u64, String> {
    Ok(order.id)
}

#[monitored(fields())]
fn settle(order: &Order) -> Result<u64, String> {
    Ok(order.id)
}

fn main() {
    let o = Order { id: 1 };
    let _ = (charge(&o), refund(&o), settle(&o));
}
