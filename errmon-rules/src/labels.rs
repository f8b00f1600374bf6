//! Label names: which are errmon's or Prometheus's, and which Prometheus accepts.

/// Label names errmon sets itself, Prometheus uses, or a scrape attaches, with why: no static
/// label (`labels(...)`) nor constant label (`Config::const_label`) may use them.
pub const RESERVED: [(&str, &str); 9] = [
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

/// Why a label name cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelNameError {
    /// One of [`RESERVED`]; `why` says who uses it.
    Reserved {
        /// Who sets or uses the name.
        why: &'static str,
    },
    /// Starts with `__`, which Prometheus keeps for its own use.
    DoubleUnderscore,
    /// Empty, starts with a digit, or holds a character other than ASCII letters, digits and `_`.
    Invalid,
}

/// Checks a label name against Prometheus's rules (`[a-zA-Z_][a-zA-Z0-9_]*`, no leading `__`)
/// and errmon's reserved names.
///
/// ```
/// use errmon_rules::labels::{LabelNameError, check_label_name};
/// assert_eq!(check_label_name("tier"), Ok(()));
/// assert_eq!(check_label_name("a-b"), Err(LabelNameError::Invalid));
/// assert_eq!(check_label_name("__x"), Err(LabelNameError::DoubleUnderscore));
/// ```
pub fn check_label_name(name: &str) -> Result<(), LabelNameError> {
    if let Some((_, why)) = RESERVED.iter().find(|(r, _)| *r == name) {
        return Err(LabelNameError::Reserved { why });
    }
    if name.starts_with("__") {
        return Err(LabelNameError::DoubleUnderscore);
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(LabelNameError::Invalid);
    }
    Ok(())
}

/// A valid name close to `name`, for an error message: every other character becomes `_`, and
/// a leading digit gets a `_` before it. `None` when nothing usable is left.
///
/// ```
/// assert_eq!(errmon_rules::labels::suggest_label_name("Bad-Name").as_deref(), Some("Bad_Name"));
/// assert_eq!(errmon_rules::labels::suggest_label_name("2xx").as_deref(), Some("_2xx"));
/// ```
pub fn suggest_label_name(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len() + 1);
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        out.push('_');
    }
    for c in name.chars() {
        out.push(if c.is_ascii_alphanumeric() { c } else { '_' });
    }
    if out.starts_with("__") {
        // Prometheus keeps `__` for itself; one `_` is enough to start a name.
        out.replace_range(..out.len() - out.trim_start_matches('_').len(), "_");
    }
    (check_label_name(&out).is_ok() && out.chars().any(|c| c.is_ascii_alphanumeric()))
        .then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_rules_and_reserved_names() {
        assert_eq!(check_label_name("region"), Ok(()));
        assert_eq!(check_label_name("_x1"), Ok(()));
        assert!(matches!(
            check_label_name("le"),
            Err(LabelNameError::Reserved { .. })
        ));
        assert_eq!(
            check_label_name("__meta"),
            Err(LabelNameError::DoubleUnderscore)
        );
        for bad in ["", "1x", "a-b", "a b", "é"] {
            assert_eq!(check_label_name(bad), Err(LabelNameError::Invalid), "{bad}");
        }
    }

    #[test]
    fn suggestions_are_valid_names() {
        assert_eq!(suggest_label_name("Bad-Name").as_deref(), Some("Bad_Name"));
        assert_eq!(suggest_label_name("a.b c").as_deref(), Some("a_b_c"));
        assert_eq!(suggest_label_name("9lives").as_deref(), Some("_9lives"));
        assert_eq!(suggest_label_name("-").as_deref(), None);
        assert_eq!(suggest_label_name("le"), None);
        assert_eq!(suggest_label_name("__x").as_deref(), Some("_x"));
    }
}
