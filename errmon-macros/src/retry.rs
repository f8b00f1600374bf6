//! `#[retry(...)]`: runs the body again on `Err`, with backoff, jitter and budgets, observed.
//!
//! Input:
//! ```text
//! #[retry(attempts = 3, backoff = constant(delay = "10ms"))]
//! fn fetch(client: &Client, req: Request) -> Result<Response, Error> { body }
//! ```
//! Output:
//! ```text
//! fn fetch(client: &Client, req: Request) -> Result<Response, Error> {
//!     static POLICY: Policy = Policy::new().attempts(3).backoff(..);
//!     let mut attempts = POLICY.retry().observe(<site>).start();
//!     let mut timer = StdTimer::start();
//!     loop {
//!         attempts.begin();
//!         let req = RetryClone::retry_clone(&req);          // one copy per attempt
//!         let out: Result<Response, Error> = call_once(|| { body });
//!         match attempts.settle(out, || timer.elapsed()) {
//!             Break(result) => return result,
//!             Continue(delay) => timer.sleep(delay),
//!         }
//!     }
//! }
//! ```
//! References are reborrowed by each attempt's closure; `self` taken by value is renamed in the
//! body so each attempt gets its own clone.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, LitStr, Pat, Path, ReturnType, Token, Type};

use crate::args::{self, Errors};
use crate::duration;
use crate::expand::{self, FnParts};
use crate::names;

const KEYS: [&str; 7] = [
    "attempts",
    "backoff",
    "jitter",
    "max_elapsed",
    "when",
    "sleep",
    "name",
];
const POLICIES: [&str; 3] = ["constant", "linear", "exponential"];
const JITTERS: [&str; 4] = ["none", "full", "equal", "decorrelated"];

/// Delays in nanoseconds, as written or defaulted.
enum Backoff {
    Constant { delay: u64 },
    Linear { initial: u64, step: u64, max: u64 },
    Exponential { initial: u64, factor: f64, max: u64 },
}

#[derive(Default)]
struct RetryArgs {
    attempts: Option<u32>,
    backoff: Option<Backoff>,
    jitter: Option<Ident>,
    max_elapsed: Option<u64>,
    when: Option<Path>,
    sleep: Option<Path>,
    name: Option<LitStr>,
    seen: Vec<String>,
}

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    if crate::attr::already_expanded(&args) {
        return item;
    }
    let mut errors = Errors::default();
    let args = RetryArgs::parse(args, &mut errors);
    let f = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            errors.add(
                Span::call_site(),
                "#[retry] applies to a function returning `Result`",
            );
            return with_errors(errors, item);
        }
    };
    if let Some(c) = &f.sig.constness {
        errors.add(
            c,
            "#[retry] cannot apply to a `const fn`: it sleeps and retries at run time; remove `const`",
        );
    }
    for attr in f.attrs.iter().filter(|a| crate::attr::is_named(a, "retry")) {
        errors.add(
            attr,
            "#[retry] is given twice; keep one (nested retries multiply the attempts)",
        );
    }
    if !returns_result(&f.sig.output) {
        let span = match &f.sig.output {
            ReturnType::Type(_, ty) => ty.span(),
            ReturnType::Default => f.sig.ident.span(),
        };
        errors.add(
            span,
            "#[retry] retries on `Err`, so the function must return a `Result` \
             (or an alias named `Result`, such as `io::Result<T>`)",
        );
    }
    if errors.len() > 0 {
        return with_errors(errors, item);
    }
    match crate::attr::lower_stacked(FnParts::from_item(f)) {
        Ok(parts) => expand_fn(&args, parts),
        Err(expanded_with_errors) => expanded_with_errors,
    }
}

fn with_errors(errors: Errors, item: TokenStream) -> TokenStream {
    let mut out = errors
        .finish()
        .err()
        .map(|e| e.to_compile_error())
        .unwrap_or_default();
    out.extend(item);
    out
}

fn returns_result(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    let Type::Path(p) = &**ty else { return false };
    p.path.segments.last().is_some_and(|s| s.ident == "Result")
}

fn expand_fn(args: &RetryArgs, mut parts: FnParts) -> TokenStream {
    let mixed = Span::mixed_site();
    let function = args
        .name
        .as_ref()
        .map_or_else(|| parts.ident_name(), LitStr::value);
    let site = expand::site_tokens(&quote!(Retry), &function, &[], &parts.sig);
    let policy = policy_tokens(args);
    let policy_ident = Ident::new("ERRMON_POLICY", mixed);
    let attempts = Ident::new("errmon_attempts", mixed);
    let timer = Ident::new("errmon_timer", mixed);
    let out = Ident::new("errmon_out", mixed);
    let result = Ident::new("errmon_result", mixed);
    let delay = Ident::new("errmon_delay", mixed);
    let is_async = parts.sig.asyncness.is_some();

    let when = args.when.as_ref().map(|w| quote!(.when(#w)));
    let (timer_init, elapsed, sleep) = if is_async {
        let init = match &args.sleep {
            Some(path) => quote!(::errmon_runtime::retry::SleepFn::new(#path)),
            None => quote_spanned!(parts.sig.asyncness.span()=>
                <::errmon_runtime::__private::DefaultTimer as ::errmon_runtime::__private::DefaultAsyncTimer>::timer()),
        };
        (
            init,
            quote!(::errmon_runtime::retry::AsyncTimer::elapsed(&#timer)),
            quote!(::errmon_runtime::retry::AsyncTimer::sleep(&mut #timer, #delay).await),
        )
    } else {
        (
            quote!(::errmon_runtime::retry::StdTimer::start()),
            quote!(::errmon_runtime::retry::Timer::elapsed(&#timer)),
            quote!(::errmon_runtime::retry::Timer::sleep(&mut #timer, #delay)),
        )
    };

    let (clones, renames_self) = per_attempt_copies(&parts.sig);
    allow_unused_mut_on_copied_params(&mut parts.sig);
    let mut block = parts.block.clone();
    if renames_self {
        let renamed = rename_self(quote!(#block));
        block = syn::parse2(renamed).unwrap_or(block);
    }
    let pinned = expand::pinned_return_type(&parts.sig.output);
    let fake_return = pinned.as_ref().map(expand::fake_return_edge);
    let annotation = pinned.as_ref().map(|ty| quote!(: #ty));
    let run = if is_async {
        quote_spanned!(mixed=> async { #fake_return #block }.await)
    } else {
        quote_spanned!(mixed=> ::errmon_runtime::__private::call_once(|| { #fake_return #block }))
    };

    let body = quote_spanned! {mixed=>
        static #policy_ident: ::errmon_runtime::retry::Policy = #policy;
        let mut #attempts = ::errmon_runtime::retry::Policy::retry(&#policy_ident)
            .observe(#site)
            #when
            .start();
        #[allow(unused_mut)]
        let mut #timer = #timer_init;
        loop {
            #attempts.begin();
            #(#clones)*
            #[allow(clippy::let_unit_value, clippy::let_with_type_underscore)]
            let #out #annotation = #run;
            match #attempts.settle(#out, || #elapsed) {
                ::core::ops::ControlFlow::Break(#result) => return #result,
                ::core::ops::ControlFlow::Continue(#delay) => #sleep,
            }
        }
    };
    let FnParts {
        attrs,
        prefix,
        sig,
        block: original,
    } = parts;
    let new_block: syn::Block = syn::Block {
        brace_token: original.brace_token,
        stmts: vec![syn::Stmt::Item(syn::Item::Verbatim(body))],
    };
    expand::rewrite(
        FnParts {
            attrs,
            prefix,
            sig,
            block: new_block,
        },
        expand::Instrumentation::Prologue(TokenStream::new()),
    )
}

fn policy_tokens(args: &RetryArgs) -> TokenStream {
    let mut p = quote!(::errmon_runtime::retry::Policy::new());
    if let Some(n) = args.attempts {
        p.extend(quote!(.attempts(#n)));
    }
    let d = |ns: u64| quote!(::core::time::Duration::from_nanos(#ns));
    if let Some(b) = &args.backoff {
        let b = match *b {
            Backoff::Constant { delay } => {
                let delay = d(delay);
                quote!(::errmon_runtime::retry::Backoff::Constant { delay: #delay })
            }
            Backoff::Linear { initial, step, max } => {
                let (initial, step, max) = (d(initial), d(step), d(max));
                quote!(::errmon_runtime::retry::Backoff::Linear { initial: #initial, step: #step, max: #max })
            }
            Backoff::Exponential {
                initial,
                factor,
                max,
            } => {
                let (initial, max) = (d(initial), d(max));
                quote!(::errmon_runtime::retry::Backoff::Exponential { initial: #initial, factor: #factor, max: #max })
            }
        };
        p.extend(quote!(.backoff(#b)));
    }
    if let Some(j) = &args.jitter {
        let variant = match j.to_string().as_str() {
            "none" => quote!(None),
            "full" => quote!(Full),
            "equal" => quote!(Equal),
            _ => quote!(Decorrelated),
        };
        p.extend(quote!(.jitter(::errmon_runtime::retry::Jitter::#variant)));
    }
    if let Some(ns) = args.max_elapsed {
        let max = d(ns);
        p.extend(quote!(.max_elapsed(#max)));
    }
    p
}

/// Statements giving each attempt its own copy of every by-value argument, spanned on the
/// argument so a missing `Clone` points there; and whether `self` is taken by value.
fn per_attempt_copies(sig: &syn::Signature) -> (Vec<TokenStream>, bool) {
    let mut out = Vec::new();
    let mut renames_self = false;
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => {
                if !matches!(*r.ty, Type::Reference(_)) {
                    renames_self = true;
                    let this = Ident::new("__errmon_self", Span::call_site());
                    let m = r.mutability;
                    let span = r.self_token.span;
                    out.push(quote_spanned! {span=>
                        let #m #this = ::errmon_runtime::__private::RetryClone::retry_clone(&self);
                    });
                }
            }
            FnArg::Typed(t) => {
                if matches!(*t.ty, Type::Reference(_)) {
                    continue;
                }
                let mut bindings = Vec::new();
                collect_bindings(&t.pat, &mut bindings);
                for (ident, m) in bindings {
                    let span = ident.span();
                    out.push(quote_spanned! {span=>
                        let #m #ident = ::errmon_runtime::__private::RetryClone::retry_clone(&#ident);
                    });
                }
            }
        }
    }
    (out, renames_self)
}

/// A `mut` by-value parameter is now mutated through its per-attempt copy, which keeps the `mut`
/// (and so the user's own `unused_mut` warning); the parameter itself no longer needs it.
fn allow_unused_mut_on_copied_params(sig: &mut syn::Signature) {
    let allow: syn::Attribute = syn::parse_quote!(#[allow(unused_mut)]);
    for arg in &mut sig.inputs {
        match arg {
            FnArg::Receiver(r) if r.mutability.is_some() && r.reference.is_none() => {
                r.attrs.push(allow.clone());
            }
            FnArg::Typed(t) if !matches!(*t.ty, Type::Reference(_)) => {
                let mut bindings = Vec::new();
                collect_bindings(&t.pat, &mut bindings);
                if bindings.iter().any(|(_, m)| m.is_some()) {
                    t.attrs.push(allow.clone());
                }
            }
            _ => {}
        }
    }
}

fn collect_bindings(pat: &Pat, out: &mut Vec<(Ident, Option<Token![mut]>)>) {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() => {
            out.push((p.ident.clone(), p.mutability));
            if let Some((_, sub)) = &p.subpat {
                collect_bindings(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| collect_bindings(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| collect_bindings(p, out)),
        Pat::Paren(p) => collect_bindings(&p.pat, out),
        Pat::Type(t) => collect_bindings(&t.pat, out),
        _ => {}
    }
}

/// Replaces the `self` keyword in a body with `__errmon_self`, keeping each token's span, as
/// async-trait does: a closure or block cannot rebind `self`.
fn rename_self(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Ident(i) if i == "self" => {
                TokenTree::Ident(Ident::new("__errmon_self", i.span()))
            }
            TokenTree::Group(g) => {
                let mut n = proc_macro2::Group::new(g.delimiter(), rename_self(g.stream()));
                n.set_span(g.span());
                TokenTree::Group(n)
            }
            other => other,
        })
        .collect()
}

impl RetryArgs {
    fn parse(tokens: TokenStream, errors: &mut Errors) -> RetryArgs {
        let mut args = RetryArgs::default();
        args::parse_arguments(tokens, errors, |input| args.parse_one(input));
        args
    }

    fn parse_one(&mut self, input: ParseStream) -> syn::Result<()> {
        let key = Ident::parse_any(input)?;
        let k = key.to_string();
        if !KEYS.contains(&k.as_str()) {
            let mut msg = format!("unknown argument `{k}` for #[retry]");
            match names::nearest(&k, &KEYS) {
                Some(near) => msg.push_str(&format!("; did you mean `{near}`?")),
                None => msg.push_str(&format!("; expected one of: {}", args::list(&KEYS))),
            }
            return Err(syn::Error::new(key.span(), msg));
        }
        if self.seen.contains(&k) {
            return Err(args::duplicate(&key));
        }
        self.seen.push(k.clone());
        if k == "name" {
            let lit = args::string_value(input, &key, "name = \"fetch\"")?;
            names::check_function_name(&lit.value()).map_err(|m| syn::Error::new(lit.span(), m))?;
            self.name = Some(lit);
            return Ok(());
        }
        input
            .parse::<Token![=]>()
            .map_err(|e| syn::Error::new(e.span(), format!("expected `{k} = ...`")))?;
        match k.as_str() {
            "attempts" => {
                let lit: syn::LitInt = input.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected `attempts = <integer>`, such as `attempts = 3`",
                    )
                })?;
                let n: u32 = lit.base10_parse()?;
                if n == 0 {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`attempts` counts the first try, so it is at least 1 (1 means no retry)",
                    ));
                }
                self.attempts = Some(n);
            }
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
            "max_elapsed" => self.max_elapsed = Some(parse_duration(input)?.1),
            "when" => {
                self.when = Some(args::parse_fn_path(
                    input,
                    "when",
                    "a predicate taking `&E` and returning `bool`, such as `when = is_transient`",
                    ("is_transient", "fn is_transient(error: &E) -> bool"),
                )?);
            }
            _ => {
                self.sleep = Some(args::parse_fn_path(
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

fn parse_duration(input: ParseStream) -> syn::Result<(LitStr, u64)> {
    let lit: LitStr = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected a duration string such as \"250ms\", \"2s\" or \"1m\"",
        )
    })?;
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

const DEFAULT_INITIAL: u64 = 100_000_000;
const DEFAULT_MAX: u64 = 5_000_000_000;

fn parse_backoff(input: ParseStream) -> syn::Result<Backoff> {
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
        let content;
        syn::parenthesized!(content in input);
        let mut seen: Vec<String> = Vec::new();
        while !content.is_empty() {
            let key = Ident::parse_any(&content)?;
            let name = key.to_string();
            if !allowed.contains(&name.as_str()) {
                let mut msg = format!("`{k}` has no `{name}`");
                match names::nearest(&name, allowed) {
                    Some(near) => msg.push_str(&format!("; did you mean `{near}`?")),
                    None => msg.push_str(&format!("; it takes: {}", allowed.join(", "))),
                }
                return Err(syn::Error::new(key.span(), msg));
            }
            if seen.contains(&name) {
                return Err(args::duplicate(&key));
            }
            seen.push(name.clone());
            content.parse::<Token![=]>()?;
            if name == "factor" {
                let lit: syn::Lit = content.parse()?;
                let value = match &lit {
                    syn::Lit::Float(f) => f.base10_parse::<f64>()?,
                    syn::Lit::Int(i) => i.base10_parse::<f64>()?,
                    _ => {
                        return Err(syn::Error::new(
                            lit.span(),
                            "expected a number, such as `factor = 2.0`",
                        ));
                    }
                };
                if !(value >= 1.0 && value.is_finite()) {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`factor` must be at least 1.0, or delays would shrink",
                    ));
                }
                factor = Some(value);
            } else {
                let (lit, ns) = parse_duration(&content)?;
                durations.push((name, lit, ns));
            }
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
    }
    let get = |n: &str| durations.iter().find(|(k, _, _)| k == n);
    let initial =
        get(if k == "constant" { "delay" } else { "initial" }).map_or(DEFAULT_INITIAL, |d| d.2);
    let max = match get("max") {
        Some((_, lit, ns)) => {
            if *ns < initial {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "`max` ({}) is below `initial`: the cap must be at least the first delay",
                        lit.value()
                    ),
                ));
            }
            *ns
        }
        None => DEFAULT_MAX.max(initial),
    };
    Ok(match k.as_str() {
        "constant" => Backoff::Constant { delay: initial },
        "linear" => Backoff::Linear {
            initial,
            step: get("step").map_or(DEFAULT_INITIAL, |d| d.2),
            max,
        },
        _ => Backoff::Exponential {
            initial,
            factor: factor.unwrap_or(2.0),
            max,
        },
    })
}
