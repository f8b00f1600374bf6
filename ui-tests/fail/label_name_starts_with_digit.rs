use errmon_runtime::count_calls;

#[count_calls(labels(1x = "a"))]
fn ping() {}

fn main() {
    ping();
}
