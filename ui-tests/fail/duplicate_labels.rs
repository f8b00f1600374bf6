use errmon_runtime::count_calls;

#[count_calls(labels(tier = "gold"), labels(region = "eu"))]
fn ping() {}

fn main() {
    ping();
}
