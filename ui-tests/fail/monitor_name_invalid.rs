fn charge() -> u32 {
    errmon_runtime::monitor!("charge card", { 1 })
}

fn refund() -> u32 {
    errmon_runtime::monitor!(refund, { 1 })
}

fn settle() -> u32 {
    errmon_runtime::monitor!("", { 1 })
}

fn main() {
    let _ = (charge(), refund(), settle());
}
