//! Grouping errors: a message's variable parts replaced by placeholders, as Sentry does it, and
//! a stable fingerprint of what stays.
//!
//! The scanner is hand-written (no regex dependency) and runs once per stored report. What it
//! replaces, tried in this order where a token starts:
//!
//! | in the message | becomes |
//! |---|---|
//! | `"quoted"`, `'quoted'`, `` `quoted` `` | `<str>` |
//! | `https://host/path?q=1`, any `scheme://...` | `<url>` |
//! | `ops@example.com` | `<email>` |
//! | `67e55044-10b1-426f-9247-bb680e5fe0c8` | `<uuid>` |
//! | `10.0.0.7`, `10.0.0.7:5432`, `fe80::1` | `<ip>` |
//! | `0x1f`, hex ids of 8 or more with a digit (`9f86d081884c`) | `<hex>` |
//! | `30s`, `1.5ms`, `250us`, `2h` | `<duration>` |
//! | `42`, `3.14` | `<int>`, `<float>` |
//!
//! Digits inside a word (`user42`, `v2`) stay: they name things rather than vary.

/// The message with its variable parts replaced by placeholders; the message itself, not
/// copied, when it has none.
pub(crate) fn parameterize(msg: &str) -> std::borrow::Cow<'_, str> {
    // Every variable part holds one of these bytes (a digit, a quote, the `@` of an e-mail
    // address, the `:` of a URL or an IPv6 address, the `-` of a UUID, the `[` of a bracketed
    // address): a message without any has nothing to replace.
    let maybe = |c: &u8| c.is_ascii_digit() || b"\"'`@:-[".contains(c);
    if !msg.as_bytes().iter().any(maybe) {
        return std::borrow::Cow::Borrowed(msg);
    }
    std::borrow::Cow::Owned(replace_variables(msg))
}

fn replace_variables(msg: &str) -> String {
    let b = msg.as_bytes();
    let mut out = String::with_capacity(msg.len());
    let mut i = 0;
    // Start of the run of bytes not yet copied to `out`.
    let mut copied = 0;
    while i < b.len() {
        let at_start = i == 0 || !is_word(b[i - 1]);
        let found = if at_start { token_at(b, i) } else { None };
        match found {
            Some((len, placeholder)) => {
                out.push_str(&msg[copied..i]);
                out.push_str(placeholder);
                i += len;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&msg[copied..]);
    out
}

/// A 64-bit FNV-1a hash of what identifies a group: stable across processes and versions, so a
/// group keeps its fingerprint across restarts.
#[cfg_attr(
    not(test),
    allow(dead_code, reason = "the reference `fingerprint_of` is tested against")
)]
pub(crate) fn fingerprint(function: &str, type_name: &str, kind: &str, pattern: &str) -> u64 {
    fnv(prefix(function, type_name, kind), pattern)
}

/// [`fingerprint`] of the static names of a site, an error type and a kind: the hash of the
/// three is worked out once per combination (up to [`PREFIXES`] of them), and only the
/// pattern is hashed for each report.
pub(crate) fn fingerprint_of(
    function: &'static str,
    type_name: &'static str,
    kind: &'static str,
    pattern: &str,
) -> u64 {
    use std::sync::OnceLock;
    static CACHE: [OnceLock<(usize, usize, usize, u64)>; PREFIXES] =
        [const { OnceLock::new() }; PREFIXES];
    // Static texts: their addresses and lengths identify them.
    let id = |s: &str| s.as_ptr() as usize ^ s.len().rotate_left(48);
    let (f, t, k) = (id(function), id(type_name), id(kind));
    let slot = (f ^ t.rotate_left(21) ^ k.rotate_left(42)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        >> 56
        & (PREFIXES - 1);
    let &(cf, ct, ck, state) =
        CACHE[slot].get_or_init(|| (f, t, k, prefix(function, type_name, kind)));
    let state = if (cf, ct, ck) == (f, t, k) {
        state
    } else {
        prefix(function, type_name, kind)
    };
    fnv(state, pattern)
}

/// Combinations [`fingerprint_of`] keeps: a power of two.
const PREFIXES: usize = 256;

fn prefix(function: &str, type_name: &str, kind: &str) -> u64 {
    [function, type_name, kind]
        .into_iter()
        .fold(0xcbf2_9ce4_8422_2325, fnv)
}

/// FNV-1a over `part` and a `0xff` separator, from the state `h`.
fn fnv(mut h: u64, part: &str) -> u64 {
    for &byte in part.as_bytes().iter().chain(&[0xff]) {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The variable token starting at `i`, if any: its length in bytes and its placeholder.
fn token_at(b: &[u8], i: usize) -> Option<(usize, &'static str)> {
    let c = b[i];
    if matches!(c, b'"' | b'\'' | b'`') {
        return quoted(b, i).map(|len| (len, "<str>"));
    }
    if !c.is_ascii_alphanumeric() && c != b'[' {
        return None;
    }
    if let Some(len) = url(b, i) {
        return Some((len, "<url>"));
    }
    if let Some(len) = email(b, i) {
        return Some((len, "<email>"));
    }
    if let Some(len) = uuid(b, i) {
        return Some((len, "<uuid>"));
    }
    if let Some(len) = ipv4(b, i).or_else(|| ipv6(b, i)) {
        return Some((len, "<ip>"));
    }
    if let Some(len) = hex(b, i) {
        return Some((len, "<hex>"));
    }
    number(b, i)
}

fn ends_token(b: &[u8], end: usize) -> bool {
    b.get(end).is_none_or(|&c| !is_word(c))
}

fn quoted(b: &[u8], i: usize) -> Option<usize> {
    let q = b[i];
    // Long enough for a path or a SQL fragment, short enough that an unmatched quote does not
    // swallow the rest of a long message.
    let limit = (i + 1 + 512).min(b.len());
    let close = i + 1 + b[i + 1..limit].iter().position(|&c| c == q || c == b'\n')?;
    if b[close] != q || close == i + 1 {
        return None;
    }
    // `don't ... 'x'`: an apostrophe inside a word is not a closing quote.
    if q == b'\'' && !ends_token(b, close + 1) {
        return None;
    }
    Some(close + 1 - i)
}

fn url(b: &[u8], i: usize) -> Option<usize> {
    let scheme = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        .count();
    if scheme == 0 || !b[i..].get(scheme..)?.starts_with(b"://") || !b[i].is_ascii_alphabetic() {
        return None;
    }
    let mut end = i + scheme + 3;
    while end < b.len()
        && !b[end].is_ascii_whitespace()
        && !matches!(b[end], b'"' | b'\'' | b'<' | b'>' | b'`')
    {
        end += 1;
    }
    // A sentence's punctuation after the URL is not part of it.
    while end > i + scheme + 3 && matches!(b[end - 1], b'.' | b',' | b';' | b':' | b')' | b']') {
        end -= 1;
    }
    (end > i + scheme + 3).then_some(end - i)
}

fn email(b: &[u8], i: usize) -> Option<usize> {
    let local = b[i..]
        .iter()
        .take_while(|&&c| is_word(c) || matches!(c, b'.' | b'+' | b'-' | b'%'))
        .count();
    if local == 0 || b.get(i + local) != Some(&b'@') {
        return None;
    }
    let start = i + local + 1;
    let mut end = start
        + b[start..]
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
            .count();
    while end > start && b[end - 1] == b'.' {
        end -= 1;
    }
    let domain = &b[start..end];
    (domain.contains(&b'.') && domain[0].is_ascii_alphanumeric()).then_some(end - i)
}

fn hex_run(b: &[u8], i: usize) -> usize {
    b[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count()
}

fn uuid(b: &[u8], i: usize) -> Option<usize> {
    let mut at = i;
    for (n, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if hex_run(b, at) < len {
            return None;
        }
        at += len;
        if n < 4 {
            if b.get(at) != Some(&b'-') {
                return None;
            }
            at += 1;
        }
    }
    ends_token(b, at).then_some(at - i)
}

fn ipv4(b: &[u8], i: usize) -> Option<usize> {
    let mut at = i;
    for n in 0..4 {
        let digits = b[at..]
            .iter()
            .take(4)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if !(1..=3).contains(&digits) {
            return None;
        }
        let octet: u32 = std::str::from_utf8(&b[at..at + digits])
            .ok()?
            .parse()
            .ok()?;
        if octet > 255 {
            return None;
        }
        at += digits;
        if n < 3 {
            if b.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
    }
    if b.get(at) == Some(&b'.') && b.get(at + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // A port belongs to the address.
    if b.get(at) == Some(&b':') {
        let port = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if (1..=5).contains(&port) {
            at += 1 + port;
        }
    }
    ends_token(b, at).then_some(at - i)
}

fn ipv6(b: &[u8], i: usize) -> Option<usize> {
    let bracket = b[i] == b'[';
    let start = i + usize::from(bracket);
    let len = b[start..]
        .iter()
        .take_while(|&&c| c.is_ascii_hexdigit() || c == b':')
        .count();
    let text = &b[start..start + len];
    let colons = text.iter().filter(|&&c| c == b':').count();
    let groups_ok = text.split(|&c| c == b':').all(|g| g.len() <= 4);
    let compressed = text.windows(2).any(|w| w == b"::");
    // `12:30:45` is a time of day, not an address: require `::`, eight groups, or a hex letter.
    let has_letter = text.iter().any(u8::is_ascii_alphabetic);
    if colons < 2 || !groups_ok || !(compressed || colons == 7) || !(compressed || has_letter) {
        return None;
    }
    if text.ends_with(b":") && !text.ends_with(b"::") {
        return None;
    }
    let mut end = start + len;
    if bracket {
        if b.get(end) != Some(&b']') {
            return None;
        }
        end += 1;
    }
    ends_token(b, end).then_some(end - i)
}

fn hex(b: &[u8], i: usize) -> Option<usize> {
    if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
        let len = hex_run(b, i + 2);
        return (len > 0 && ends_token(b, i + 2 + len)).then_some(len + 2);
    }
    let len = hex_run(b, i);
    let run = &b[i..i + len];
    let is_id =
        len >= 8 && run.iter().any(u8::is_ascii_digit) && run.iter().any(u8::is_ascii_alphabetic);
    (is_id && ends_token(b, i + len)).then_some(len)
}

const UNITS: [&[u8]; 13] = [
    b"ns",
    b"us",
    "µs".as_bytes(),
    b"ms",
    b"s",
    b"sec",
    b"secs",
    b"m",
    b"min",
    b"mins",
    b"h",
    b"hr",
    b"d",
];

fn number(b: &[u8], i: usize) -> Option<(usize, &'static str)> {
    let int = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if int == 0 {
        return None;
    }
    let mut end = i + int;
    let mut float = false;
    if b.get(end) == Some(&b'.') {
        let frac = b[end + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if frac > 0 {
            end += 1 + frac;
            float = true;
        }
    }
    if ends_token(b, end) && b.get(end).is_none_or(|&c| c < 0x80) {
        return Some((end - i, if float { "<float>" } else { "<int>" }));
    }
    let unit = UNITS
        .iter()
        .find(|u| b[end..].starts_with(u) && ends_token(b, end + u.len()))?;
    Some((end + unit.len() - i, "<duration>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_prefixes_give_the_fingerprint_of_the_whole() {
        let leaked = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
        for (f, t, k, p) in [
            (
                "charge",
                "app::PaymentError",
                "declined",
                "card <int> declined",
            ),
            ("load", "std::io::Error", "not_found", ""),
        ] {
            let (f, t, k) = (leaked(f), leaked(t), leaked(k));
            assert_eq!(fingerprint_of(f, t, k, p), fingerprint(f, t, k, p));
            assert_eq!(fingerprint_of(f, t, k, p), fingerprint(f, t, k, p));
        }
    }

    #[test]
    fn variable_parts_become_placeholders() {
        for (raw, want) in [
            ("order 42 not found", "order <int> not found"),
            ("took 3.5 of 10", "took <float> of <int>"),
            ("user \"ada\" locked", "user <str> locked"),
            ("can't open 'cfg.toml'", "can't open <str>"),
            (
                "GET https://api.example.com/v1/orders?id=7 failed.",
                "GET <url> failed.",
            ),
            (
                "mail to ops+x@example.co.uk bounced",
                "mail to <email> bounced",
            ),
            (
                "request 67e55044-10b1-426f-9247-bb680e5fe0c8 failed",
                "request <uuid> failed",
            ),
            ("connect 10.0.0.7:5432: refused", "connect <ip>: refused"),
            (
                "peer [fe80::1] and 2001:db8::ff00:42:8329",
                "peer <ip> and <ip>",
            ),
            (
                "object 9f86d081884c7d65 at 0x7ffd1234",
                "object <hex> at <hex>",
            ),
            (
                "timed out after 30s (budget 1.5ms, 250µs)",
                "timed out after <duration> (budget <duration>, <duration>)",
            ),
            ("at 12:30:45", "at <int>:<int>:<int>"),
            ("user42 hit v2 limit", "user42 hit v2 limit"),
            ("", ""),
            ("ünïcode 7 ok", "ünïcode <int> ok"),
        ] {
            assert_eq!(parameterize(raw), want, "{raw}");
        }
    }

    #[test]
    fn messages_differing_in_ids_share_a_fingerprint() {
        let a = parameterize("order 17 for ada@example.com timed out after 30s");
        let b = parameterize("order 99812 for bob@example.org timed out after 5s");
        assert_eq!(a, b);
        assert_eq!(
            fingerprint("f", "E", "k", &a),
            fingerprint("f", "E", "k", &b)
        );
        assert_ne!(
            fingerprint("f", "E", "k", &a),
            fingerprint("g", "E", "k", &a)
        );
        // The separators keep parts apart: ("ab", "c") is not ("a", "bc").
        assert_ne!(
            fingerprint("ab", "c", "", ""),
            fingerprint("a", "bc", "", "")
        );
    }
}
