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
//!     let mut timer = StdTimer::for_policy(&POLICY);   // a clock only with max_elapsed
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
use quote::{ToTokens, quote, quote_spanned};
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
            return crate::attr::emit_errors(errors, item);
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
        let msg = "#[retry] retries on `Err`, so the function must return a `Result` \
                   (or an alias named `Result`, such as `io::Result<T>`)";
        match &f.sig.output {
            ReturnType::Type(_, ty) => errors.add(&**ty, msg),
            ReturnType::Default => errors.add(&f.sig.ident, msg),
        }
    }
    if errors.len() > 0 {
        return crate::attr::emit_errors(errors, item);
    }
    match crate::attr::lower_stacked(FnParts::from_item(f)) {
        Ok(parts) => expand_fn(&args, parts),
        Err(expanded_with_errors) => expanded_with_errors,
    }
}

fn returns_result(output: &ReturnType) -> bool {
    matches!(output, ReturnType::Type(_, ty) if crate::attr::is_result(ty))
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
            Some(path) => {
                quote!(::errmon_runtime::retry::SleepFn::for_policy(#path, &#policy_ident))
            }
            None => quote_spanned!(parts.sig.asyncness.span()=>
                <::errmon_runtime::__private::DefaultTimer as ::errmon_runtime::__private::DefaultAsyncTimer>::timer(&#policy_ident)),
        };
        (
            init,
            quote!(::errmon_runtime::retry::AsyncTimer::elapsed(&#timer)),
            quote!(::errmon_runtime::retry::AsyncTimer::sleep(&mut #timer, #delay).await),
        )
    } else {
        (
            quote!(::errmon_runtime::retry::StdTimer::for_policy(&#policy_ident)),
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
    let track_caller = parts
        .attrs
        .iter()
        .any(|a| a.path().is_ident("track_caller"));
    let run = if is_async {
        quote_spanned!(mixed=> async { #fake_return #block }.await)
    } else if track_caller {
        // A closure would hide the caller's location from the body.
        expand::inline_value(pinned.as_ref(), block)
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

/// Statements giving each attempt its own copy of every by-value argument, and whether `self`
/// is taken by value. A missing `Clone` is reported on the argument by `RetryClone`'s own
/// message, label and note, which rustc only shows when the type is named in the call:
///
/// Input:  `fn send(request: Request)`
/// Output: `let request = <Request as RetryClone>::retry_clone(&request);`, the type located at
///         `request`. Inferred from `&request` instead, the error would come with rustc's
///         generic label and a suggestion to write `&request: Request` in the signature.
fn per_attempt_copies(sig: &syn::Signature) -> (Vec<TokenStream>, bool) {
    let mut out = Vec::new();
    let mut renames_self = false;
    let own: Vec<&Ident> = sig
        .generics
        .lifetimes()
        .map(|l| &l.lifetime.ident)
        .collect();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => {
                if !matches!(*r.ty, Type::Reference(_)) {
                    renames_self = true;
                    let this = Ident::new("__errmon_self", Span::call_site());
                    let from = Ident::new("self", r.self_token.span);
                    out.push(copy(&this, r.mutability, &from, Some(&r.ty), &own));
                }
            }
            FnArg::Typed(t) => {
                if matches!(*t.ty, Type::Reference(_)) {
                    continue;
                }
                let mut bindings = Vec::new();
                typed_bindings(&t.pat, Some(&t.ty), &mut bindings);
                for (ident, m, ty) in bindings {
                    out.push(copy(&ident, m, &ident, ty, &own));
                }
            }
        }
    }
    (out, renames_self)
}

/// `let <m> <to> = <<ty> as RetryClone>::retry_clone(&<from>);`, spanned on `from`. The type is
/// left to inference when it cannot be named in the body (`impl Trait`) or is not known (a
/// binding inside a destructuring pattern). The function's own lifetimes become `'_`, so that
/// naming them here does not silence clippy's `needless_lifetimes` on the user's signature.
fn copy(
    to: &Ident,
    m: Option<Token![mut]>,
    from: &Ident,
    ty: Option<&Type>,
    own_lifetimes: &[&Ident],
) -> TokenStream {
    let span = from.span();
    let trait_path = quote_spanned!(span=> ::errmon_runtime::__private::RetryClone);
    match ty.filter(|ty| !mentions_impl(ty.to_token_stream())) {
        Some(ty) => {
            let ty = elide(ty.to_token_stream(), own_lifetimes);
            let ty = locate(ty, span);
            quote_spanned! {span=>
                let #m #to = <#ty as #trait_path>::retry_clone(&#from);
            }
        }
        None => quote_spanned! {span=>
            let #m #to = #trait_path::retry_clone(&#from);
        },
    }
}

/// The by-value bindings of a parameter pattern, each with its type where the pattern shows it:
/// `(host, request): (String, Request)` gives `host: String` and `request: Request`.
fn typed_bindings<'a>(
    pat: &Pat,
    ty: Option<&'a Type>,
    out: &mut Vec<(Ident, Option<Token![mut]>, Option<&'a Type>)>,
) {
    let ty = ty.map(|mut ty| {
        while let Type::Paren(syn::TypeParen { elem, .. })
        | Type::Group(syn::TypeGroup { elem, .. }) = ty
        {
            ty = elem;
        }
        ty
    });
    match (pat, ty) {
        (Pat::Ident(p), _) if p.by_ref.is_none() => {
            out.push((p.ident.clone(), p.mutability, ty));
            if let Some((_, sub)) = &p.subpat {
                typed_bindings(sub, None, out);
            }
        }
        (Pat::Tuple(p), Some(Type::Tuple(t)))
            if p.elems.len() == t.elems.len()
                && !p.elems.iter().any(|e| matches!(e, Pat::Rest(_))) =>
        {
            for (p, t) in p.elems.iter().zip(&t.elems) {
                typed_bindings(p, Some(t), out);
            }
        }
        (Pat::Paren(p), _) => typed_bindings(&p.pat, ty, out),
        _ => {
            let mut bindings = Vec::new();
            collect_bindings(pat, &mut bindings);
            out.extend(bindings.into_iter().map(|(i, m)| (i, m, None)));
        }
    }
}

fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => mentions_impl(g.stream()),
        _ => false,
    })
}

/// Replaces the lifetimes named in `own` with `'_`.
fn elide(tokens: TokenStream, own: &[&Ident]) -> TokenStream {
    let mut after_quote = false;
    tokens
        .into_iter()
        .map(|tt| {
            let was_after_quote = std::mem::replace(
                &mut after_quote,
                matches!(&tt, TokenTree::Punct(p) if p.as_char() == '\''),
            );
            match tt {
                TokenTree::Ident(i) if was_after_quote && own.iter().any(|o| **o == i) => {
                    TokenTree::Ident(Ident::new("_", i.span()))
                }
                TokenTree::Group(g) => {
                    let mut n = proc_macro2::Group::new(g.delimiter(), elide(g.stream(), own));
                    n.set_span(g.span());
                    TokenTree::Group(n)
                }
                other => other,
            }
        })
        .collect()
}

/// Moves every token to `at` for error locations, keeping each token's own name resolution.
fn locate(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut n = proc_macro2::Group::new(g.delimiter(), locate(g.stream(), at));
                n.set_span(g.span().located_at(at));
                tt = TokenTree::Group(n);
            } else {
                tt.set_span(tt.span().located_at(at));
            }
            tt
        })
        .collect()
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
            "max_elapsed" => self.max_elapsed = Some(parse_duration(input, "max_elapsed")?.1),
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

/// `key = "250ms"`, after the `=`.
fn parse_duration(input: ParseStream, key: &str) -> syn::Result<(LitStr, u64)> {
    if !input.peek(LitStr) {
        let rest = args::rest_of_argument(input);
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
        return Err(args::spanning(input, rest, msg));
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
        let group: proc_macro2::Group = input.parse()?;
        let mut seen: Vec<String> = Vec::new();
        let mut errors = Errors::default();
        // Each key on its own, as the attribute's arguments are, so that one mistake inside the
        // parentheses neither hides the others nor leaves tokens that syn reports again.
        args::parse_arguments(group.stream(), &mut errors, |content| {
            let key = Ident::parse_any(content)?;
            let name = key.to_string();
            if !allowed.contains(&name.as_str()) {
                let mut msg = format!("`{k}` has no `{name}`");
                match names::nearest(&name, allowed) {
                    Some(near) => msg.push_str(&format!("; did you mean `{near}`?")),
                    None => msg.push_str(&format!("; it takes {}", args::list(allowed))),
                }
                return Err(syn::Error::new(key.span(), msg));
            }
            if seen.contains(&name) {
                return Err(args::duplicate(&key));
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
    let initial = first.map_or(DEFAULT_INITIAL, |d| d.2);
    let max = match get("max") {
        Some((_, lit, ns)) => {
            if *ns < initial {
                let initial = match first {
                    Some((_, i, _)) => format!("`initial = {}`", i.token()),
                    None => "the default `initial` of 100ms".to_owned(),
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

/// `factor = 2.0`: a number of at least 1.
fn parse_factor(input: ParseStream) -> syn::Result<f64> {
    const EXAMPLE: &str = "`factor = 2.0` to double each delay";
    let rest = args::rest_of_argument(input);
    let value = match syn::parse2::<syn::Lit>(rest.clone()) {
        Ok(syn::Lit::Float(f)) => f.base10_parse::<f64>()?,
        Ok(syn::Lit::Int(i)) => i.base10_parse::<f64>()?,
        _ => {
            let msg = format!("expected a number: write {EXAMPLE}");
            return Err(args::spanning(input, rest, msg));
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
