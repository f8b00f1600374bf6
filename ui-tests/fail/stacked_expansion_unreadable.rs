//! An expansion of the lower attribute that the upper one cannot read back is an error naming
//! both, not a function silently left without the upper attribute. The expression of a
//! `macro_rules!` fragment reaches the attributes inside an invisible group, where syn reads
//! `break 'label ::path`, the `return` as `#[retry]` rewrites it, as a labeled loop.
use errmon_runtime::{monitored, retry};

macro_rules! parser {
    ($fallback:expr) => {
        #[monitored]
        #[retry(attempts = 2)]
        #[track_caller]
        fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
            if s.is_empty() {
                return $fallback;
            }
            s.parse()
        }
    };
}

parser!(::core::result::Result::Ok(0));

fn main() {
    let _ = parse("1");
}
