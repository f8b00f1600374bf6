//! Errors collected while expanding, reported together, next to the user's item.
//!
//! One compile reports every independent mistake (darling's accumulator, built on
//! `syn::Error::combine`), and the item is still emitted, so one mistake does not turn into a
//! cascade of unrelated ones.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// Errors collected while parsing and checking, reported together.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// An error at `at`: a `Span`, or tokens, which it spans from first to last. (A token's
    /// `Spanned::span` covers only its first token on stable Rust, so a `#[timed]` would be
    /// underlined at its `#` alone.)
    pub(crate) fn add(&mut self, at: impl ErrorAt, msg: impl std::fmt::Display) {
        self.push(at.error(msg));
    }

    /// How many errors so far.
    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |e| e.into_iter().count())
    }

    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }

    /// The errors as `compile_error!` invocations, then `item`.
    pub(crate) fn emit_with(self, item: TokenStream) -> TokenStream {
        let mut out = self
            .finish()
            .err()
            .map(|e| e.to_compile_error())
            .unwrap_or_default();
        out.extend(item);
        out
    }
}

/// Where an error points: a [`Span`], or a reference to tokens.
pub(crate) trait ErrorAt {
    fn error(self, msg: impl std::fmt::Display) -> syn::Error;
}

impl ErrorAt for Span {
    fn error(self, msg: impl std::fmt::Display) -> syn::Error {
        syn::Error::new(self, msg)
    }
}

impl<T: ToTokens + ?Sized> ErrorAt for &T {
    fn error(self, msg: impl std::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(self, msg)
    }
}
