fn charge(id: u64) -> u64 {
    errmon_runtime::monitor!("charge", name = "pay", { id })
}

fn refund(id: u64) -> u64 {
    errmon_runtime::monitor!("refund", severity = "fatal", fields(id), { id })
}

fn main() {
    let _ = (charge(1), refund(1));
}
