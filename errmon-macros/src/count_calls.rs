//! `#[count_calls]`: one sharded counter increment on entry; the body is untouched.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::Instrumentation;

pub(crate) fn instrumentation(site: TokenStream) -> Instrumentation {
    Instrumentation::Prologue(quote!(#site.count();))
}
