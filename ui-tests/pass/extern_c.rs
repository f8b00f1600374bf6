//! `extern "C"` functions exported with `#[unsafe(no_mangle)]` keep their ABI and symbol, and
//! can be called through a function pointer of their type.
#![deny(warnings, clippy::all, clippy::pedantic)]

use errmon_runtime::{count_calls, monitored, timed};

#[monitored]
#[unsafe(no_mangle)]
pub extern "C" fn errmon_ui_add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

#[timed]
#[count_calls]
#[unsafe(no_mangle)]
pub extern "C" fn errmon_ui_sub(a: i32, b: i32) -> i32 {
    a.wrapping_sub(b)
}

#[monitored]
#[unsafe(no_mangle)]
pub extern "C" fn errmon_ui_status(code: u8) -> bool {
    if code == 0 {
        return true;
    }
    false
}

/// # Safety
/// `p` must be valid for reads.
#[monitored]
#[unsafe(export_name = "errmon_ui_deref")]
pub unsafe extern "C" fn deref(p: *const i32) -> i32 {
    // SAFETY: the caller guarantees `p` is valid.
    unsafe { *p }
}

#[monitored]
extern "C" fn callback(x: u32) -> u32 {
    x * 2
}

unsafe extern "C" {
    #[link_name = "errmon_ui_add"]
    fn add_by_symbol(a: i32, b: i32) -> i32;
}

pub fn main() {
    let ops: [extern "C" fn(i32, i32) -> i32; 2] = [errmon_ui_add, errmon_ui_sub];
    assert_eq!(ops.map(|f| f(5, 3)), [8, 2]);
    assert!(errmon_ui_status(0));
    assert!(!errmon_ui_status(1));
    let x = 4;
    // SAFETY: `x` is valid for reads.
    assert_eq!(unsafe { deref(&raw const x) }, 4);
    // SAFETY: the symbol is `errmon_ui_add`, defined above with this signature.
    assert_eq!(unsafe { add_by_symbol(1, 2) }, 3);
    let f: extern "C" fn(u32) -> u32 = callback;
    assert_eq!(f(21), 42);
}
