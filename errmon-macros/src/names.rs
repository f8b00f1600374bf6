//! Names that end up in Prometheus output: compile-time checks of those the user writes, and
//! the `Type::method` label of a method, written as rustfmt would write the type.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::Type;

/// Checks a static label name against `errmon_rules::labels`, the rules `install()` checks
/// constant labels with; the error says what to write instead.
pub(crate) fn check_label_name(name: &str) -> Result<(), String> {
    use errmon_rules::labels::LabelNameError;
    errmon_rules::labels::check_label_name(name).map_err(|e| match e {
        LabelNameError::Reserved { why } => {
            format!("label name `{name}` is reserved: {why}; choose another name")
        }
        LabelNameError::DoubleUnderscore => format!(
            "label name `{name}` starts with `__`, which Prometheus reserves for internal use; remove the leading underscores"
        ),
        LabelNameError::Invalid => format!(
            "label name `{name}` is not a valid Prometheus label name: use ASCII letters, digits and `_`, not starting with a digit"
        ),
    })
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

/// `Wrapper < T , u8 >` as `Wrapper<T, u8>`: the tokens of a type written the way rustfmt
/// would, for the `Type::method` label.
pub(crate) fn compact_type(ty: &Type) -> String {
    let mut out = String::new();
    push_compact(&mut out, ty.to_token_stream());
    out
}

fn push_compact(out: &mut String, tokens: TokenStream) {
    let mut prev_word = false;
    let mut prev_joint_quote = false;
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => {
                if prev_word && !prev_joint_quote {
                    out.push(' ');
                }
                out.push_str(&i.to_string());
                prev_word = true;
                prev_joint_quote = false;
            }
            TokenTree::Literal(l) => {
                if prev_word {
                    out.push(' ');
                }
                out.push_str(&l.to_string());
                prev_word = true;
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                match c {
                    ',' | ';' => out.push_str(&format!("{c} ")),
                    '-' if p.spacing() == proc_macro2::Spacing::Joint => out.push_str(" -"),
                    '>' if out.ends_with(" -") => out.push_str("> "),
                    '+' | '=' => {
                        if !out.ends_with(' ') {
                            out.push(' ');
                        }
                        out.push(c);
                        out.push(' ');
                    }
                    _ => out.push(c),
                }
                prev_joint_quote = c == '\'';
                prev_word = false;
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                push_compact(out, g.stream());
                out.push_str(close);
                prev_word = false;
            }
        }
    }
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

    #[test]
    fn types_are_rendered_without_stray_spaces() {
        let cases = [
            ("Wrapper < T >", "Wrapper<T>"),
            ("Cache<'a, K, V>", "Cache<'a, K, V>"),
            (
                "Vec<Box<dyn Fn(u8) -> u8 + Send>>",
                "Vec<Box<dyn Fn(u8) -> u8 + Send>>",
            ),
            ("[u8; 4]", "[u8; 4]"),
            ("&'static mut str", "&'static mut str"),
            ("Pair<T, { N }>", "Pair<T, {N}>"),
        ];
        for (input, expected) in cases {
            let ty: syn::Type = syn::parse_str(input).unwrap();
            assert_eq!(compact_type(&ty), expected, "{input}");
        }
    }
}
