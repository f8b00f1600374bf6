fn charge(n: u32) -> u32 {
    errmon_runtime::monitor!("charge", n + 1)
}

fn refund(n: u32) -> u32 {
    errmon_runtime::monitor!("refund")
}

fn main() {
    let _ = (charge(1), refund(1));
}
