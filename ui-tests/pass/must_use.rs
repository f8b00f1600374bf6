//! `#[must_use]` stays on the function (a caller that drops the value is warned; see
//! `fail/`), and the attributes do not add `must_use` warnings of their own.
#![deny(warnings, clippy::all, clippy::pedantic)]

use futures::executor::block_on;

use errmon_runtime::{count_calls, monitored, timed};

#[monitored]
#[must_use]
fn doubled(x: u32) -> u32 {
    x * 2
}

#[must_use = "the sum is the point"]
#[timed]
#[count_calls]
fn summed(a: u32, b: u32) -> u32 {
    a + b
}

#[monitored]
#[must_use]
async fn doubled_async(x: u32) -> u32 {
    x * 2
}

struct Builder(Vec<u8>);

#[monitored]
impl Builder {
    #[must_use]
    fn with(mut self, b: u8) -> Self {
        self.0.push(b);
        self
    }
}

pub fn main() {
    assert_eq!(doubled(2), 4);
    assert_eq!(summed(2, 3), 5);
    assert_eq!(block_on(doubled_async(4)), 8);
    assert_eq!(Builder(vec![]).with(1).with(2).0, [1, 2]);
}
