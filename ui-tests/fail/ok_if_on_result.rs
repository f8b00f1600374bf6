use errmon_runtime::monitored;

#[monitored(ok_if = Result::is_ok)]
fn parse(s: &str) -> Result<u64, std::num::ParseIntError> {
    s.parse()
}

fn main() {
    let _ = parse("1");
}
