use errmon_runtime::count_calls;

#[count_calls(labels(tier = "gold", tier = "silver"))]
fn ping() {}

fn main() {
    ping();
}
