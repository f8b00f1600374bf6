//! The error ratio of a window counts every call in it: two errors in four calls are 0.5 on
//! `/errors`, as on `/metrics`.

#[macro_use]
mod support;

use std::fmt;
use std::time::Duration;

use support::counts;

#[derive(Debug)]
struct Failed;
impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("order not found")
    }
}
impl std::error::Error for Failed {}

monitored_by_hand! {
    fn find_order(fail: bool) -> Result<(), Failed> {
        if fail { Err(Failed) } else { Ok(()) }
    }
}

/// `errmon_errors_total / errmon_call_outcomes_total` is 2/4 whichever call of the interval
/// failed first; the ratio's baseline used to be read at the first error, after the call
/// before it, and gave 0.667.
#[test]
fn an_error_ratio_counts_every_call_of_its_window() {
    for fail in [false, true, false, true] {
        let _ = find_order(fail);
    }
    let f = counts("find_order").unwrap();
    assert_eq!(f.rates.map(|r| r.error_ratio), [Some(0.5); 3]);
    let h = errmon_runtime::history::function("find_order", Duration::from_secs(60))
        .unwrap()
        .unwrap();
    let ratio = h.error_ratio().unwrap();
    assert_eq!((ratio.value, ratio.calls), (0.5, 4));
}
