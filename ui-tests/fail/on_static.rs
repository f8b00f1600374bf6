use errmon_runtime::timed;

#[timed]
static GREETING: &str = "hello";

fn main() {
    let _ = GREETING;
}
