//! Arguments the body does not use are still reported by rustc, where the user wrote them, as
//! without the attribute: errmon moves every argument into the wrapped body without using it.
#![deny(unused_variables, unused_mut)]

use errmon_runtime::monitored;

#[monitored]
fn sync(a: u8, b: u8, mut c: u8, (d, e): (u8, u8)) -> u8 {
    a + d
}

#[monitored]
async fn in_future(a: u8, b: u8) -> u8 {
    a
}

fn main() {
    let _ = sync(1, 2, 3, (4, 5));
    let _ = in_future(1, 2);
}
