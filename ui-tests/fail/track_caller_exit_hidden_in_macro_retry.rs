use errmon_runtime::retry;

macro_rules! either {
    ($a:expr => $b:expr) => {
        if $a { $b } else { 0 }
    };
}

#[retry]
#[track_caller]
fn pick(flag: bool, text: &str) -> Result<u32, std::num::ParseIntError> {
    Ok(either!(flag => text.parse()?))
}

fn main() {
    let _ = pick(true, "1");
}
