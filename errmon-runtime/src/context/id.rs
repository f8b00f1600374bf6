//! Request ids: validating incoming ones, generating UUID v4 ones.
//!
//! Ids need to be unique, not secret: a SplitMix64 sequence seeded once from the time, the
//! process id and an address is enough, costs one atomic add per id, and needs no dependency
//! and no thread-local.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{SystemTime, UNIX_EPOCH};

/// The longest request id accepted from outside.
pub const MAX_REQUEST_ID: usize = 128;

/// Whether an incoming request id is accepted: 1 to 128 characters from `A-Z a-z 0-9 . _ -`
/// (`^[A-Za-z0-9._-]{1,128}$`), so it is safe in logs, headers and JSON as it is.
///
/// ```
/// use errmon_runtime::context::is_valid_request_id;
///
/// assert!(is_valid_request_id("req-01HZX3.a_b"));
/// assert!(!is_valid_request_id(""));
/// assert!(!is_valid_request_id("two words"));
/// assert!(!is_valid_request_id(&"x".repeat(129)));
/// ```
pub fn is_valid_request_id(id: &str) -> bool {
    (1..=MAX_REQUEST_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
static STATE: AtomicU64 = AtomicU64::new(0);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn next() -> u64 {
    if STATE.load(Relaxed) == 0 {
        let local = 0u8;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let seed = mix(nanos ^ u64::from(std::process::id()).rotate_left(32))
            ^ (std::ptr::from_ref(&local) as u64)
            | 1;
        // Whoever seeds first wins; the others go on from that seed.
        let _ = STATE.compare_exchange(0, seed, Relaxed, Relaxed);
    }
    mix(STATE.fetch_add(GAMMA, Relaxed).wrapping_add(GAMMA))
}

/// A new random (version 4) UUID in its usual hyphenated form.
///
/// ```
/// let id = errmon_runtime::context::new_request_id();
/// assert_eq!(id.len(), 36);
/// assert_eq!(&id[14..15], "4");
/// assert!(errmon_runtime::context::is_valid_request_id(&id));
/// ```
pub fn new_request_id() -> String {
    let hi = (next() & !0xf000) | 0x4000; // version 4
    let lo = (next() & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
    // Written digit by digit into a fixed buffer: `format!` of the five groups costs more
    // than the rest of a request's bookkeeping in `errmon-tower`.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [b'-'; 36];
    let digits = (0..16)
        .map(|i| (hi >> (60 - 4 * i)) & 0xf)
        .chain((0..16).map(|i| (lo >> (60 - 4 * i)) & 0xf));
    let places = (0..36).filter(|i| !matches!(i, 8 | 13 | 18 | 23));
    for (place, digit) in places.zip(digits) {
        out[place] = HEX[digit as usize];
    }
    // ASCII only.
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_distinct_v4_uuids() {
        let ids: std::collections::HashSet<String> =
            (0..10_000).map(|_| new_request_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(100) {
            let b = id.as_bytes();
            assert_eq!(
                (b[8], b[13], b[14], b[18], b[23]),
                (b'-', b'-', b'4', b'-', b'-'),
                "{id}"
            );
            assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "{id}");
        }
    }

    #[test]
    fn the_digits_are_those_of_the_two_numbers_in_order() {
        let id = new_request_id();
        let hex: String = id.chars().filter(|c| *c != '-').collect();
        let hi = u64::from_str_radix(&hex[..16], 16).unwrap();
        let lo = u64::from_str_radix(&hex[16..], 16).unwrap();
        let formatted = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xffff,
            lo >> 48,
            lo & 0xffff_ffff_ffff
        );
        assert_eq!(id, formatted);
    }
}
