//! Query strings of errmon's routes: `key=value` pairs (a leading `?` allowed), percent-decoded,
//! each key at most once. Each route then reads its own keys and names a bad one.

/// A pair that cannot be read: the key it is about, and a message naming it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadPair {
    pub(crate) key: String,
    pub(crate) message: String,
}

/// The pairs of `query`, in order; an undecodable value or a repeated key is an error, which
/// the caller stops at.
pub(crate) fn pairs(query: &str) -> impl Iterator<Item = Result<(String, String), BadPair>> + '_ {
    let mut seen: Vec<String> = Vec::new();
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(move |pair| {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = percent_decode(raw_key).unwrap_or_else(|| raw_key.to_owned());
            let Some(value) = percent_decode(raw_value) else {
                let message = format!("`{key}`: `{raw_value}` is not valid percent-encoded UTF-8");
                return Err(BadPair { key, message });
            };
            if seen.contains(&key) {
                let message = format!("`{key}` is given twice");
                return Err(BadPair { key, message });
            }
            seen.push(key.clone());
            Ok((key, value))
        })
}

/// `+` as a space and `%XX` as a byte; `None` when that is not UTF-8 or a `%` is not followed
/// by two hex digits.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded_and_a_repeat_or_bad_escape_is_named() {
        let ok: Vec<_> = pairs("?a=1&b=x%20y+z&&c").collect();
        assert_eq!(
            ok,
            [
                Ok(("a".into(), "1".into())),
                Ok(("b".into(), "x y z".into())),
                Ok(("c".into(), String::new()))
            ]
        );
        let twice: Vec<_> = pairs("a=1&a=2&b=3").collect();
        assert_eq!(twice[1].as_ref().unwrap_err().message, "`a` is given twice");
        let bad = pairs("k=%zz").next().unwrap().unwrap_err();
        assert_eq!(
            (bad.key.as_str(), bad.message.as_str()),
            ("k", "`k`: `%zz` is not valid percent-encoded UTF-8")
        );
    }
}
