//! The keys `#[retry]` adds to the common ones (`name`, `skip`): the policy, checked at compile
//! time against the same defaults `errmon_runtime::retry::Policy::DEFAULT` uses
//! (`errmon_rules::retry`).

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Ident, LitStr, Path, Token};

use crate::args::syntax::{self, duplicate, list};
use crate::diag::Errors;
use crate::{duration, names};

/// Every key of `#[retry]`, the common ones included.
pub(crate) const KEYS: [&str; 8] = [
    "attempts",
    "backoff",
    "jitter",
    "max_elapsed",
    "when",
    "sleep",
    "name",
    "skip",
];
const POLICIES: [&str; 3] = ["constant", "linear", "exponential"];
use errmon_rules::retry::JITTERS;

/// Delays in nanoseconds, as written or defaulted.
#[derive(Clone, Copy)]
pub(crate) enum Backoff {
    Constant { delay: u64 },
    Linear { initial: u64, step: u64, max: u64 },
    Exponential { initial: u64, factor: f64, max: u64 },
}

/// The policy as written; what is not written is `Policy::DEFAULT`'s.
#[derive(Clone, Default)]
pub(crate) struct RetryArgs {
    pub attempts: Option<u32>,
    pub backoff: Option<Backoff>,
    pub jitter: Option<Ident>,
    pub max_elapsed: Option<u64>,
    pub when: Option<Path>,
    pub sleep: Option<Path>,
    seen: Vec<String>,
}

fn nanos(d: core::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl RetryArgs {
    /// A method's own policy inside a `#[retry]` `impl` block: each key it gives replaces the
    /// block's.
    pub(crate) fn merge_method(&self, method: RetryArgs) -> RetryArgs {
        RetryArgs {
            attempts: method.attempts.or(self.attempts),
            backoff: method.backoff.or(self.backoff),
            jitter: method.jitter.or_else(|| self.jitter.clone()),
            max_elapsed: method.max_elapsed.or(self.max_elapsed),
            when: method.when.or_else(|| self.when.clone()),
            sleep: method.sleep.or_else(|| self.sleep.clone()),
            seen: Vec::new(),
        }
    }

    /// Parses the value of one of the policy's keys, after `key`.
    pub(crate) fn parse_key(&mut self, key: &Ident, input: ParseStream<'_>) -> syn::Result<()> {
        let k = key.to_string();
        if self.seen.contains(&k) {
            return Err(duplicate(key));
        }
        self.seen.push(k.clone());
        input
            .parse::<Token![=]>()
            .map_err(|e| syn::Error::new(e.span(), format!("expected `{k} = ...`")))?;
        match k.as_str() {
            "attempts" => self.attempts = Some(parse_attempts(input)?),
            "backoff" => self.backoff = Some(parse_backoff(input)?),
            "jitter" => {
                let j = Ident::parse_any(input).map_err(|e| {
                    syn::Error::new(e.span(), format!("expected one of: {}", JITTERS.join(", ")))
                })?;
                if !JITTERS.contains(&j.to_string().as_str()) {
                    return Err(unknown(&j, "jitter", &JITTERS));
                }
                self.jitter = Some(j);
            }
            "max_elapsed" => self.max_elapsed = Some(parse_duration(input, "max_elapsed")?.1),
            "when" => {
                self.when = Some(syntax::parse_fn_path(
                    input,
                    "when",
                    "a predicate taking `&E` and returning `bool`, such as `when = is_transient`",
                    ("is_transient", "fn is_transient(error: &E) -> bool"),
                )?);
            }
            _ => {
                self.sleep = Some(syntax::parse_fn_path(
                    input,
                    "sleep",
                    "an async sleep taking a `Duration`, such as `sleep = tokio::time::sleep`",
                    ("pause", "async fn pause(delay: Duration)"),
                )?);
            }
        }
        Ok(())
    }
}

fn parse_attempts(input: ParseStream<'_>) -> syn::Result<u32> {
    let lit: syn::LitInt = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected `attempts = <integer>`, such as `attempts = 3`",
        )
    })?;
    let n: u32 = lit.base10_parse().map_err(|_| {
        syn::Error::new(
            lit.span(),
            "`attempts` is too large: bound the retries by time with \
             `max_elapsed = \"30s\"` and keep `attempts` to a count such as 10",
        )
    })?;
    if n == 0 {
        return Err(syn::Error::new(
            lit.span(),
            "`attempts` counts the first try, so it is at least 1: write `attempts = 3` \
             for a first try and two retries, or `attempts = 1` for no retry",
        ));
    }
    Ok(n)
}

/// `key = "250ms"`, after the `=`.
fn parse_duration(input: ParseStream<'_>, key: &str) -> syn::Result<(LitStr, u64)> {
    if !input.peek(LitStr) {
        let rest = syntax::rest_of_argument(input);
        let number = match syn::parse2::<syn::Lit>(rest.clone()) {
            Ok(syn::Lit::Int(i)) => Some(i.base10_digits().to_owned()),
            Ok(syn::Lit::Float(f)) => Some(f.base10_digits().to_owned()),
            _ => None,
        };
        let msg = match number {
            Some(n) => format!(
                "durations are strings with a unit: write `{key} = \"{n}s\"` or `{key} = \"{n}ms\"`"
            ),
            None => format!(
                "`{key}` takes a duration string, such as `{key} = \"250ms\"`, \"2s\" or \"1m\""
            ),
        };
        return Err(syntax::spanning(input, rest, msg));
    }
    let lit: LitStr = input.parse()?;
    let ns = duration::parse(&lit.value()).map_err(|m| syn::Error::new(lit.span(), m))?;
    Ok((lit, ns))
}

fn unknown(found: &Ident, what: &str, choices: &[&str]) -> syn::Error {
    let f = found.to_string();
    let mut msg = format!("unknown {what} `{f}`");
    match names::nearest(&f, choices) {
        Some(near) => msg.push_str(&format!("; did you mean `{near}`?")),
        None => msg.push_str(&format!("; expected one of: {}", choices.join(", "))),
    }
    syn::Error::new(found.span(), msg)
}

fn parse_backoff(input: ParseStream<'_>) -> syn::Result<Backoff> {
    let kind = Ident::parse_any(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a backoff: `constant(delay = \"100ms\")`, `linear(initial = \"100ms\", step = \"100ms\", max = \"5s\")` \
             or `exponential(initial = \"100ms\", factor = 2.0, max = \"5s\")`",
        )
    })?;
    let k = kind.to_string();
    let allowed: &[&str] = match k.as_str() {
        "constant" => &["delay"],
        "linear" => &["initial", "step", "max"],
        "exponential" => &["initial", "factor", "max"],
        _ => return Err(unknown(&kind, "backoff", &POLICIES)),
    };
    let mut durations: Vec<(String, LitStr, u64)> = Vec::new();
    let mut factor: Option<f64> = None;
    if input.peek(syn::token::Paren) {
        let group: proc_macro2::Group = input.parse()?;
        let mut seen: Vec<String> = Vec::new();
        let mut errors = Errors::default();
        // Each key on its own, as the attribute's arguments are, so that one mistake inside the
        // parentheses neither hides the others nor leaves tokens that syn reports again.
        syntax::parse_arguments(group.stream(), &mut errors, |content| {
            let key = Ident::parse_any(content)?;
            let name = key.to_string();
            if !allowed.contains(&name.as_str()) {
                let mut msg = format!("`{k}` has no `{name}`");
                match names::nearest(&name, allowed) {
                    Some(near) => msg.push_str(&format!("; did you mean `{near}`?")),
                    None => msg.push_str(&format!("; it takes {}", list(allowed))),
                }
                return Err(syn::Error::new(key.span(), msg));
            }
            if seen.contains(&name) {
                return Err(duplicate(&key));
            }
            seen.push(name.clone());
            content
                .parse::<Token![=]>()
                .map_err(|e| syn::Error::new(e.span(), format!("expected `{name} = ...`")))?;
            if name == "factor" {
                factor = Some(parse_factor(content)?);
            } else {
                let (lit, ns) = parse_duration(content, &name)?;
                durations.push((name, lit, ns));
            }
            Ok(())
        });
        errors.finish()?;
    }
    let get = |n: &str| durations.iter().find(|(k, _, _)| k == n);
    let first = get(if k == "constant" { "delay" } else { "initial" });
    let initial = first.map_or(nanos(errmon_rules::retry::INITIAL), |d| d.2);
    let max = match get("max") {
        Some((_, lit, ns)) => {
            if *ns < initial {
                let initial = match first {
                    Some((_, i, _)) => format!("`initial = {}`", i.token()),
                    None => format!(
                        "the default `initial` of {}ms",
                        errmon_rules::retry::INITIAL.as_millis()
                    ),
                };
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "`max = {}` is below {initial}: the cap must be at least the first delay; raise `max` or lower `initial`",
                        lit.token()
                    ),
                ));
            }
            *ns
        }
        None => nanos(errmon_rules::retry::MAX).max(initial),
    };
    Ok(match k.as_str() {
        "constant" => Backoff::Constant { delay: initial },
        "linear" => Backoff::Linear {
            initial,
            step: get("step").map_or(nanos(errmon_rules::retry::STEP), |d| d.2),
            max,
        },
        _ => Backoff::Exponential {
            initial,
            factor: factor.unwrap_or(errmon_rules::retry::FACTOR),
            max,
        },
    })
}

/// `factor = 2.0`: a number of at least 1.
fn parse_factor(input: ParseStream<'_>) -> syn::Result<f64> {
    const EXAMPLE: &str = "`factor = 2.0` to double each delay";
    let rest = syntax::rest_of_argument(input);
    let value = match syn::parse2::<syn::Lit>(rest.clone()) {
        Ok(syn::Lit::Float(f)) => f.base10_parse::<f64>()?,
        Ok(syn::Lit::Int(i)) => i.base10_parse::<f64>()?,
        _ => {
            let msg = format!("expected a number: write {EXAMPLE}");
            return Err(syntax::spanning(input, rest, msg));
        }
    };
    if !(value >= 1.0 && value.is_finite()) {
        return Err(syn::Error::new_spanned(
            rest,
            format!(
                "`factor` must be at least 1.0, or delays would shrink: write {EXAMPLE}, \
                 or use `constant(delay = ...)` for equal delays"
            ),
        ));
    }
    Ok(value)
}
