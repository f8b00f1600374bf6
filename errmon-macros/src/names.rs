//! Compile-time checks of names that end up in Prometheus output.

/// Labels errmon sets itself, or Prometheus reserves, or a scrape attaches; a static label may
/// use none of them.
const RESERVED: [(&str, &str); 9] = [
    ("function", "errmon sets it to the function's name"),
    ("module", "errmon sets it to the module path"),
    ("outcome", "errmon sets it to ok, error, panic or cancelled"),
    ("error_type", "errmon sets it to the error's type"),
    ("error_kind", "errmon sets it to the error's kind"),
    ("le", "Prometheus uses it for histogram buckets"),
    ("quantile", "Prometheus uses it for summary quantiles"),
    ("job", "Prometheus attaches it to every scraped series"),
    ("instance", "Prometheus attaches it to every scraped series"),
];

/// Checks a static label name; the error says what to write instead.
pub(crate) fn check_label_name(name: &str) -> Result<(), String> {
    if let Some((_, why)) = RESERVED.iter().find(|(r, _)| *r == name) {
        return Err(format!(
            "label name `{name}` is reserved: {why}; choose another name"
        ));
    }
    if name.starts_with("__") {
        return Err(format!(
            "label name `{name}` starts with `__`, which Prometheus reserves for internal use; remove the leading underscores"
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "label name `{name}` is not a valid Prometheus label name: use ASCII letters, digits and `_`, not starting with a digit"
        ));
    }
    Ok(())
}

/// Checks a `name = "..."` override of the `function` label: Rust-like paths, so dashboards
/// group and sort them the way the code is laid out.
pub(crate) fn check_function_name(name: &str) -> Result<(), String> {
    const LIKE: &str = "like `load_user` or `users::load`";
    if name.is_empty() {
        return Err(format!(
            "empty name: write a name {LIKE}, or remove `name` to use the function's own"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.')))
    {
        let bad = match bad {
            ' ' => "a space".to_owned(),
            c if c.is_whitespace() => "whitespace".to_owned(),
            c => format!("`{c}`"),
        };
        return Err(format!(
            "invalid name `{name}`: {bad} is not allowed; use ASCII letters, digits, `_`, `.` and `::`, {LIKE}"
        ));
    }
    if name
        .split("::")
        .any(|part| part.is_empty() || part.contains(':'))
    {
        return Err(format!(
            "invalid name `{name}`: `:` only goes in `::` between two parts, {LIKE}"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(format!(
            "invalid name `{name}`: start it with a letter or `_`, {LIKE}"
        ));
    }
    if name.len() > 128 {
        return Err(format!(
            "name `{name}` is {} characters long; keep it to 128 or fewer",
            name.len()
        ));
    }
    Ok(())
}

/// The closest of `candidates` to `word`, when it is close enough to be a typo.
pub(crate) fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `UserNotFound` becomes `user_not_found`, `HTTPError` becomes `http_error`.
pub(crate) fn snake_case(ident: &str) -> String {
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::with_capacity(ident.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms_and_digits() {
        assert_eq!(snake_case("NotFound"), "not_found");
        assert_eq!(snake_case("HTTPError"), "http_error");
        assert_eq!(snake_case("Http5xx"), "http5xx");
        assert_eq!(snake_case("Io"), "io");
        assert_eq!(snake_case("Timeout"), "timeout");
    }

    #[test]
    fn nearest_finds_typos_only() {
        let keys = ["name", "labels", "ok_if", "error_if", "skip"];
        assert_eq!(nearest("nmae", &keys), Some("name"));
        assert_eq!(nearest("label", &keys), Some("labels"));
        assert_eq!(nearest("err_if", &keys), Some("error_if"));
        assert_eq!(nearest("banana", &keys), None);
    }

    #[test]
    fn function_names_are_rust_like_paths() {
        for ok in [
            "load",
            "_load",
            "users::load",
            "Cache::get",
            "v1.load",
            "a::b::c2",
        ] {
            assert_eq!(check_function_name(ok), Ok(()), "{ok}");
        }
        assert!(
            check_function_name("")
                .unwrap_err()
                .starts_with("empty name")
        );
        assert!(
            check_function_name("my metric!")
                .unwrap_err()
                .contains("a space is not allowed")
        );
        assert!(
            check_function_name("a-b")
                .unwrap_err()
                .contains("`-` is not allowed")
        );
        assert!(
            check_function_name("1load")
                .unwrap_err()
                .contains("start it with")
        );
        for bad in ["users:load", "users::", "::load", "a:::b"] {
            assert!(
                check_function_name(bad).unwrap_err().contains("`::`"),
                "{bad}"
            );
        }
        assert!(
            check_function_name(&"x".repeat(129))
                .unwrap_err()
                .contains("129")
        );
    }

    #[test]
    fn label_names_follow_prometheus_rules() {
        assert!(check_label_name("region").is_ok());
        assert!(check_label_name("_x1").is_ok());
        assert!(check_label_name("le").unwrap_err().contains("reserved"));
        assert!(check_label_name("__meta").unwrap_err().contains("__"));
        assert!(check_label_name("1x").is_err());
    }
}
