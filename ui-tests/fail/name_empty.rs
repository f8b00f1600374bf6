use errmon_runtime::count_calls;

#[count_calls(name = "")]
fn ping() {}

fn main() {
    ping();
}
