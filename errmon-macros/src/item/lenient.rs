//! Parsing an annotated item without reporting a body's syntax error a second time.
//!
//! rustc reports a syntax error inside a function body itself. If the macro reported syn's
//! message too, the user would read the same mistake twice, once worded by syn. As
//! tracing-attributes' `MaybeItemFn` does, an item whose only fault is inside a body is
//! recognised here and the caller emits it unchanged, for rustc to report once.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::Item;
use syn::parse::Parser;

/// The annotated item; `None` when it parses once its bodies are emptied and one of them does
/// not parse: a syntax error in the user's body, which rustc reports.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Option<Item>> {
    match syn::parse2::<Item>(tokens.clone()) {
        Ok(item) => Ok(Some(item)),
        Err(_) if only_a_body_fails(tokens.clone()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Input:  `fn f() -> u32 { let x = ; x }` or `impl T { fn f() { let x = ; } }`
/// Checks: some body (`{ let x = ; x }`) does not parse as statements, and the item with every
///         body emptied (`fn f() -> u32 {}`) parses.
fn only_a_body_fails(tokens: TokenStream) -> bool {
    let mut trees: Vec<TokenTree> = tokens.into_iter().collect();
    let Some(TokenTree::Group(last)) = trees.last() else {
        return false;
    };
    if last.delimiter() != Delimiter::Brace {
        return false;
    }
    let mut failed = false;
    let emptied = if is_impl(&trees) {
        // The braces directly inside an `impl` block are its methods' bodies (or a constant's
        // block, which parses as one).
        let items = last
            .stream()
            .into_iter()
            .map(|tt| match tt {
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    failed |= !parses_as_body(g.stream());
                    emptied_like(&g)
                }
                other => other,
            })
            .collect();
        let mut g = Group::new(Delimiter::Brace, items);
        g.set_span(last.span());
        TokenTree::Group(g)
    } else {
        failed = !parses_as_body(last.stream());
        emptied_like(last)
    };
    if !failed {
        return false;
    }
    if let Some(slot) = trees.last_mut() {
        *slot = emptied;
    }
    syn::parse2::<Item>(trees.into_iter().collect()).is_ok()
}

/// Whether the item is an `impl` block: its keyword comes before any `fn` (a function's
/// `-> impl Trait` comes after its `fn`).
fn is_impl(trees: &[TokenTree]) -> bool {
    trees
        .iter()
        .find_map(|tt| match tt {
            TokenTree::Ident(i) if i == "impl" => Some(true),
            TokenTree::Ident(i) if i == "fn" => Some(false),
            _ => None,
        })
        .unwrap_or(false)
}

fn parses_as_body(tokens: TokenStream) -> bool {
    syn::Block::parse_within.parse2(tokens).is_ok()
}

fn emptied_like(g: &Group) -> TokenTree {
    let mut empty = Group::new(g.delimiter(), TokenStream::new());
    empty.set_span(g.span());
    TokenTree::Group(empty)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use quote::quote;

    fn outcome(tokens: proc_macro2::TokenStream) -> &'static str {
        match parse(tokens) {
            Ok(Some(_)) => "item",
            Ok(None) => "body",
            Err(_) => "error",
        }
    }

    #[test]
    fn only_body_errors_are_left_to_rustc() {
        assert_eq!(
            outcome(quote!(
                fn f() -> u32 {
                    1
                }
            )),
            "item"
        );
        assert_eq!(outcome(quote!(fn f() -> u32 { let x = ; x })), "body");
        assert_eq!(
            outcome(quote!(pub fn f() -> impl Iterator<Item = u8> { let = 1; })),
            "body"
        );
        assert_eq!(
            outcome(quote!(impl S { fn a(&self) {} fn b(&self) { 1 + } })),
            "body"
        );
        assert_eq!(outcome(quote!(fn f(x: ) { 1 })), "error");
        assert_eq!(outcome(quote!(impl S { fn a(&self) {} 5 })), "error");
    }
}
