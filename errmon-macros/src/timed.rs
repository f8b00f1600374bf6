//! `#[timed]`: a guard that records the call's duration when it drops, so every way out of the
//! body (value, `return`, `?`, panic, a dropped future) is timed and the body is untouched.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

use crate::expand::Instrumentation;

pub(crate) fn instrumentation(site: TokenStream) -> Instrumentation {
    let timer = syn::Ident::new("_errmon_timer", Span::mixed_site());
    Instrumentation::Prologue(quote_spanned!(Span::mixed_site()=> let #timer = #site.time();))
}
