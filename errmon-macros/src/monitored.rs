//! `#[monitored]`: calls, outcome, errors, duration and calls in flight.
//!
//! The outcome needs the returned value, so the body is wrapped (see [`crate::expand`]); a
//! `Call` guard records panics and dropped futures when it drops without `finish`.
//!
//! Input:  `#[monitored] async fn load() -> R { body }`
//! Output: `async fn load() -> R { let call = SITE.enter_async();
//!          let out: R = call.body(async move { body }).await; call.finish(<outcome of &out>); out }`
//!
//! A sync function returning a future of a form the rewriter cannot instrument inside gets
//! `returned(SITE, <body>, |value: &Output| <outcome of value>)` instead (see
//! `expand::returned`).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::args::Predicate;
use crate::expand::{InCall, Instrumentation, WrapReturned, out_ident, returned_value_ident};

pub(crate) fn instrumentation(
    site: TokenStream,
    predicate: Option<&Predicate>,
    returns_never: bool,
) -> Instrumentation {
    let mixed = Span::mixed_site();
    if returns_never {
        // `-> !` never returns a value: the guard records the panic (or nothing, on exit).
        let call = syn::Ident::new("_errmon_call", mixed);
        return Instrumentation::Prologue(quote_spanned!(mixed=> let #call = #site.enter();));
    }
    let call = syn::Ident::new("errmon_call", mixed);
    let out = out_ident();
    let value = returned_value_ident();
    // An async body is polled inside `Call::body`, so the guard classifies a drop by whether
    // this call's body was running: a panic inside a poll is `panic`, a future dropped between
    // polls (even while an unrelated panic unwinds) is `cancelled`.
    Instrumentation::Wrap {
        enter: quote_spanned!(mixed=> let #call = #site.enter();),
        finish: {
            let outcome = outcome(predicate, &quote!(#out));
            quote_spanned!(mixed=> #call.finish(#outcome);)
        },
        in_call: Some(InCall {
            enter: quote_spanned!(mixed=> let #call = #site.enter_async();),
            call: call.clone(),
        }),
        returned: Some(WrapReturned {
            outcome: outcome(predicate, &quote!((*#value))),
            site,
        }),
    }
}

/// The outcome of the call whose value is the place `value`.
fn outcome(predicate: Option<&Predicate>, value: &TokenStream) -> TokenStream {
    let mixed = Span::mixed_site();
    match predicate {
        None => quote_spanned! {mixed=>
            {
                use ::errmon_runtime::__private::outcome_via::*;
                (&&&::errmon_runtime::__private::Classify(&#value)).__errmon_outcome()
            }
        },
        Some(p) => {
            let path = &p.path;
            let last = path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            let (is_error, kind) = if p.is_error_if {
                (quote!(#path(&#value)), last)
            } else {
                (quote!(!#path(&#value)), format!("not_{last}"))
            };
            quote_spanned! {mixed=>
                ::errmon_runtime::__private::predicate_outcome(&#value, #is_error, #kind)
            }
        }
    }
}
