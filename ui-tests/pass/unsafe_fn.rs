//! `unsafe fn` under `deny(unsafe_op_in_unsafe_fn)`: the body's `unsafe` blocks are still needed
//! and still enough, and the attributes add no unsafe operation of their own.
#![deny(warnings, clippy::all, clippy::pedantic)]
#![deny(unsafe_op_in_unsafe_fn, unused_unsafe)]

use errmon_runtime::{count_calls, monitored, timed};

/// # Safety
/// `p` must be valid for reads of `len` bytes.
#[monitored]
unsafe fn sum(p: *const u8, len: usize) -> u32 {
    // SAFETY: the caller guarantees `p` is valid for `len` bytes.
    let bytes = unsafe { std::slice::from_raw_parts(p, len) };
    bytes.iter().copied().map(u32::from).sum()
}

/// # Safety
/// `p` must be valid for reads of `len` bytes.
#[timed]
#[count_calls]
unsafe fn max(p: *const u8, len: usize) -> Option<u8> {
    // SAFETY: the caller guarantees `p` is valid for `len` bytes.
    let bytes = unsafe { std::slice::from_raw_parts(p, len) };
    bytes.iter().copied().max()
}

/// # Safety
/// `p` must be valid for writes.
#[monitored]
unsafe fn write(p: *mut u32, v: u32) -> Result<(), u32> {
    if v == 0 {
        return Err(v);
    }
    // SAFETY: the caller guarantees `p` is valid for writes.
    unsafe { p.write(v) };
    Ok(())
}

struct Raw(*const u8);

impl Raw {
    /// # Safety
    /// The pointer must be valid for reads.
    #[monitored]
    unsafe fn read(&self) -> u8 {
        // SAFETY: the caller guarantees the pointer is valid.
        unsafe { *self.0 }
    }

    /// # Safety
    /// The pointer must be valid for reads.
    #[timed]
    #[count_calls]
    unsafe fn read_timed(&self) -> u8 {
        // SAFETY: the caller guarantees the pointer is valid.
        unsafe { *self.0 }
    }
}

/// # Safety
/// `p` must be valid for reads.
#[monitored]
#[allow(unsafe_op_in_unsafe_fn)]
unsafe fn legacy(p: *const u8) -> u8 {
    *p
}

pub fn main() {
    let data = [1u8, 5, 3];
    // SAFETY: `data` is valid for 3 bytes.
    assert_eq!(unsafe { sum(data.as_ptr(), 3) }, 9);
    // SAFETY: `data` is valid for 3 bytes.
    assert_eq!(unsafe { max(data.as_ptr(), 3) }, Some(5));
    let mut out = 0;
    // SAFETY: `out` is valid for writes.
    assert_eq!(unsafe { write(&raw mut out, 7) }, Ok(()));
    // SAFETY: `out` is valid for writes.
    assert_eq!(unsafe { write(&raw mut out, 0) }, Err(0));
    assert_eq!(out, 7);
    let raw = Raw(&raw const data[1]);
    // SAFETY: points into `data`.
    assert_eq!(unsafe { raw.read() }, 5);
    // SAFETY: points into `data`.
    assert_eq!(unsafe { raw.read_timed() }, 5);
    // SAFETY: points into `data`.
    assert_eq!(unsafe { legacy(&raw const data[2]) }, 3);
}
