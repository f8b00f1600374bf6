use errmon_runtime::count_calls;

#[count_calls(labels(tier = 1))]
fn ping() {}

fn main() {
    ping();
}
