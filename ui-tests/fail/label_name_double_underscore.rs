use errmon_runtime::count_calls;

#[count_calls(labels(__x = "a"))]
fn ping() {}

fn main() {
    ping();
}
