//! Duration literals of attribute arguments (`"250ms"`, `"2s"`, `"1.5m"`), checked at compile time.

/// Parses a duration literal into nanoseconds; the error says what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("expected a duration such as \"250ms\", \"2s\" or \"1m\"".to_owned());
    }
    if t.starts_with('-') {
        let positive = t.trim_start_matches('-').trim_start();
        return Err(format!(
            "a duration cannot be negative: write \"{positive}\" instead of \"{t}\""
        ));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit_ns: f64 = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        "" => {
            return Err(format!(
                "`{t}` has no unit: use ns, us, ms, s, m or h, like \"{t}ms\""
            ));
        }
        other => {
            let number = if number.is_empty() { "250" } else { number };
            return Err(format!(
                "unknown unit `{other}` in `{t}`: use ns, us, ms, s, m or h, like \"{number}ms\""
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{t}` does not start with a number: write it like \"250ms\""))?;
    let ns = value * unit_ns;
    if !ns.is_finite() || ns >= u64::MAX as f64 {
        return Err(format!(
            "`{t}` is too long: a duration must be under 584 years"
        ));
    }
    Ok(ns.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_units_and_rejects_the_rest() {
        assert_eq!(parse("250ms"), Ok(250_000_000));
        assert_eq!(parse("2s"), Ok(2_000_000_000));
        assert_eq!(parse("1m"), Ok(60_000_000_000));
        assert_eq!(parse("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse("10us"), Ok(10_000));
        assert_eq!(parse("0s"), Ok(0));
        assert!(parse("10x").unwrap_err().contains("unknown unit `x`"));
        assert!(parse("-1s").unwrap_err().contains("negative"));
        assert!(parse("10").unwrap_err().contains("no unit"));
        assert!(parse("ms").unwrap_err().contains("number"));
        assert!(parse("").is_err());
    }
}
