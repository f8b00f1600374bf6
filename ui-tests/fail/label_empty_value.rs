use errmon_runtime::count_calls;

#[count_calls(labels(tier = ""))]
fn ping() {}

fn main() {
    ping();
}
