use errmon_runtime::retry;

#[retry]
const fn parse(x: u32) -> Result<u32, u32> {
    Ok(x)
}

fn main() {
    let _ = parse(2);
}
