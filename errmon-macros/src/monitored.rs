//! `#[monitored]`: calls, outcome, errors, duration and calls in flight, and on the error path
//! a report with the error value.
//!
//! The outcome needs the returned value, so the body is wrapped (see [`crate::expand`]); a
//! `Call` guard records panics and dropped futures when it drops without `finish`.
//!
//! Input:  `#[monitored(fields(id = user.id))] async fn load(user: User) -> R { body }`
//! Output:
//! ```text
//! async fn load(user: User) -> R {
//!     let field_0 = user.id;                     // only with `fields(..)`
//!     let call = SITE.enter_async();
//!     let out: R = call.body(async move { body }).await;
//!     match <outcome of &out> {
//!         Outcome::Error { type_name, kind } => call.finish_err(type_name, kind, Failure {
//!             error: <view of the error in &out>, severity, fields: &[("id", &field_0)] }),
//!         outcome => call.finish(outcome),
//!     }
//!     out
//! }
//! ```
//! The success path calls `finish(Outcome::Ok)` as before; describing the error, picking its
//! severity and formatting nothing happen only in the `Error` arm (see
//! `errmon_runtime::__private::report` for the runtime side).
//!
//! A sync function returning a future of a form the rewriter cannot instrument inside gets
//! `returned(SITE, <body>, |value: &Output| <outcome of value>)` instead (see
//! `expand::returned`); its reports carry the error's type and kind, not its value.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::args::{Args, Field, Predicate};
use crate::expand::{InCall, Instrumentation, WrapReturned, out_ident, returned_value_ident};

pub(crate) fn instrumentation(
    site: TokenStream,
    args: &Args,
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
    let outcome_of_out = outcome(args.predicate.as_ref(), &quote!(#out));
    let error = match &args.predicate {
        None => quote_spanned! {mixed=>
            (&&&&&&::errmon_runtime::__private::Describe(&#out)).__errmon_error()
        },
        Some(_) => quote_spanned! {mixed=>
            (&&::errmon_runtime::__private::DescribeValue(&#out)).__errmon_error()
        },
    };
    let severity = severity_tokens(args);
    let own_severity = match &args.predicate {
        // A predicate's value is not an error type with a severity of its own.
        Some(_) => severity,
        None => quote_spanned! {mixed=>
            (&&::errmon_runtime::__private::SeverityOf(&#out))
                .__errmon_severity()
                .unwrap_or(#severity)
        },
    };
    let (evaluate, fields) = field_tokens(&args.fields);
    let finish = quote_spanned! {mixed=>
        match #outcome_of_out {
            ::errmon_runtime::__private::Outcome::Error { type_name, kind } => {
                use ::errmon_runtime::__private::describe_via::*;
                #call.finish_err(type_name, kind, ::errmon_runtime::__private::Failure {
                    error: #error,
                    severity: #own_severity,
                    fields: #fields,
                });
            }
            outcome => #call.finish(outcome),
        }
    };
    // An async body is polled inside `Call::body`, so the guard classifies a drop by whether
    // this call's body was running: a panic inside a poll is `panic`, a future dropped between
    // polls (even while an unrelated panic unwinds) is `cancelled`.
    Instrumentation::Wrap {
        enter: quote_spanned!(mixed=> #evaluate let #call = #site.enter();),
        finish,
        in_call: Some(InCall {
            enter: quote_spanned!(mixed=> #evaluate let #call = #site.enter_async();),
            call: call.clone(),
        }),
        returned: Some(WrapReturned {
            outcome: outcome(args.predicate.as_ref(), &quote!((*#value))),
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

/// `::errmon_runtime::__private::Severity::Error`, or the variant `severity = ".."` names.
pub(crate) fn severity_tokens(args: &Args) -> TokenStream {
    let variant = args.severity.as_ref().map_or_else(
        || syn::Ident::new("Error", Span::call_site()),
        |s| s.0.clone(),
    );
    quote_spanned!(Span::mixed_site()=> ::errmon_runtime::__private::Severity::#variant)
}

/// The statements evaluating `fields(..)` at entry, before the body can move the arguments,
/// and the slice the error path hands over. `&[]` without fields: nothing runs.
fn field_tokens(fields: &[Field]) -> (TokenStream, TokenStream) {
    let mixed = Span::mixed_site();
    let mut evaluate = TokenStream::new();
    let mut entries = Vec::with_capacity(fields.len());
    for (i, f) in fields.iter().enumerate() {
        let expr = &f.expr;
        // Located at the expression (hygiene stays mixed-site), so that the error of a value
        // without `Display` underlines the field's expression, not the whole attribute.
        let local = format_ident!("errmon_field_{}", i, span = mixed.located_at(expr.span()));
        let label = f.label();
        // The value is checked where it is formatted, on the error path, with the trait
        // method spanned on the expression: a value without `Display` is one error, on its field.
        let show =
            quote_spanned!(expr.span()=> ::errmon_runtime::__private::FieldValue::__errmon_field);
        evaluate.extend(quote_spanned!(mixed=> let #local = #expr;));
        let arg = quote_spanned!(expr.span()=> &#local);
        entries.push(quote_spanned!(mixed=> (#label, #show(#arg))));
    }
    (evaluate, quote_spanned!(mixed=> &[#(#entries),*]))
}
