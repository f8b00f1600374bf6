//! The bearer token check.

/// Whether `header` is `Bearer <token>`. The scheme compares case-insensitively (RFC 9110
/// §11.1: `BEARER x` is `Bearer x`); the token compares in time independent of where it
/// differs, so a client cannot find it byte by byte.
pub(super) fn authorized(header: Option<&[u8]>, token: &str) -> bool {
    let Some(header) = header else { return false };
    let Some((scheme, given)) = split_once_space(header) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return false;
    }
    let given = trim_spaces(given);
    let expected = token.as_bytes();
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

fn split_once_space(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = b.iter().position(|&c| c == b' ')?;
    Some((&b[..i], &b[i + 1..]))
}

fn trim_spaces(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

#[cfg(test)]
mod tests {
    use super::authorized;

    #[test]
    fn only_the_exact_bearer_token_is_authorized() {
        assert!(authorized(Some(b"Bearer s3cret"), "s3cret"));
        assert!(authorized(Some(b"bearer s3cret"), "s3cret"));
        assert!(!authorized(None, "s3cret"));
        assert!(!authorized(Some(b"Bearer s3cre"), "s3cret"));
        assert!(!authorized(Some(b"Bearer s3cretx"), "s3cret"));
        assert!(!authorized(Some(b"Basic s3cret"), "s3cret"));
        assert!(!authorized(Some(b"s3cret"), "s3cret"));
        assert!(!authorized(Some(b"Bearer"), "s3cret"));
        assert!(!authorized(Some(b"Bearers3cret"), "s3cret"));
    }

    #[test]
    fn the_scheme_compares_case_insensitively() {
        for header in [
            "BEARER s3cret",
            "bEaReR s3cret",
            "Bearer  s3cret",
            "Bearer s3cret ",
        ] {
            assert!(authorized(Some(header.as_bytes()), "s3cret"), "{header}");
        }
        // The token itself is case-sensitive.
        assert!(!authorized(Some(b"Bearer S3CRET"), "s3cret"));
    }
}
