use errmon_runtime::count_calls;

#[count_calls]
const LIMIT: u32 = 10;

fn main() {
    let _ = LIMIT;
}
