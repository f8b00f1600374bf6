use errmon_runtime::count_calls;

#[count_calls(labels("tier" = "gold"))]
fn ping() {}

fn main() {
    ping();
}
