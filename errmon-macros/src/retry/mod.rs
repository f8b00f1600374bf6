//! `#[retry(...)]`: runs the body again on `Err`, with backoff, jitter and budgets, observed.
//! What it adds to the shared rewriter ([`crate::expand`]): a policy in a `static`, a loop
//! round the body ([`Instrumentation::Repeat`]), and a copy of each by-value argument per
//! attempt ([`copies`]).
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
//!         match attempts.settle_described(out, || timer.elapsed(), <Display or Debug>,
//!                                         <ErrorKind::error_kind or unknown>) {
//!             Break(result) => break result,
//!             Continue(delay) => timer.sleep(delay),
//!         }
//!     }
//! }
//! ```
//! References are reborrowed by each attempt's closure; `self` taken by value is renamed in the
//! body so each attempt gets its own clone.

pub(crate) mod args;
mod copies;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use crate::expand::{FnParts, Instrumentation, out_ident};
use args::{Backoff, RetryArgs};

/// The loop of a function `#[retry]` instruments; `site` counts its attempts.
pub(crate) fn instrumentation(
    args: &RetryArgs,
    site: TokenStream,
    parts: &mut FnParts,
) -> Instrumentation {
    let mixed = Span::mixed_site();
    let policy = policy_tokens(args);
    let policy_ident = Ident::new("ERRMON_POLICY", mixed);
    let attempts = Ident::new("errmon_attempts", mixed);
    let timer = Ident::new("errmon_timer", mixed);
    let out = out_ident();
    let result = Ident::new("errmon_result", mixed);
    let delay = Ident::new("errmon_delay", mixed);
    let show = Ident::new("errmon_show", mixed);
    let kind = Ident::new("errmon_kind", mixed);

    let when = args.when.as_ref().map(|w| quote!(.when(#w)));
    let (timer_init, elapsed, sleep) = if parts.sig.asyncness.is_some() {
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

    let (clones, renames_self) = copies::per_attempt_copies(&parts.sig);
    let mut_uses = copies::use_mut_of_copied_params(&parts.sig);
    if renames_self {
        let block = &parts.block;
        let renamed = copies::rename_self(quote!(#block));
        if let Ok(block) = syn::parse2(renamed) {
            parts.block = block;
        }
    }
    Instrumentation::Repeat {
        setup: quote_spanned! {mixed=>
            #mut_uses
            static #policy_ident: ::errmon_runtime::retry::Policy = #policy;
            let mut #attempts = ::errmon_runtime::retry::Policy::retry(&#policy_ident)
                .observe(#site)
                #when
                .start();
            let mut #timer = #timer_init;
        },
        each: quote_spanned! {mixed=>
            #attempts.begin();
            #(#clones)*
        },
        // Log lines write the error with `Display` when its type has it, else `Debug`; an
        // exhausted retry's report and line carry its `ErrorKind`, as `#[monitored]`'s do.
        settle: quote_spanned! {mixed=>
            let #show = {
                use ::errmon_runtime::__private::show_via::*;
                (&&&::errmon_runtime::__private::ShowError::of(&#out)).__errmon_show()
            };
            let #kind = {
                use ::errmon_runtime::__private::kind_via::*;
                (&&::errmon_runtime::__private::KindOfError::of(&#out)).__errmon_kind()
            };
            match #attempts.settle_described(#out, || #elapsed, #show, #kind) {
                ::core::ops::ControlFlow::Break(#result) => break #result,
                ::core::ops::ControlFlow::Continue(#delay) => #sleep,
            }
        },
    }
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
