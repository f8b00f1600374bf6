//! The scaffolding around a wrapped body: its braces, its return edge, and where generated
//! statements go, so the body keeps its spans, its type inference and its lints.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote_spanned;
use syn::visit_mut::VisitMut;
use syn::{Block, ReturnType, Signature, Stmt, Type};

/// The braces of the user's body inside a wrapper. They are the user's own, so that lints about
/// the body as a block see the user's block (clippy's `items_after_statements` and
/// `semicolon_if_nothing_returned` skip blocks of macros), except around a body of one
/// expression on one line, the one shape rustc's `unused_braces` reports as a block's value
/// (`fn one() -> u32 { 1 }`), which gets [`generated_braces`]. A body whose source is not at
/// hand (tokens of another macro) counts as one line.
pub(super) fn body_braces(block: &Block, inner: TokenStream) -> TokenStream {
    let braces = block.brace_token.span.join();
    let one_expression = matches!(
        block.stmts.as_slice(),
        [Stmt::Expr(_, None)
            | Stmt::Macro(syn::StmtMacro {
                semi_token: None,
                ..
            })]
    );
    let multiline = braces.source_text().is_some_and(|text| text.contains('\n'));
    if one_expression && !multiline {
        return generated_braces(braces, inner);
    }
    let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, inner);
    group.set_span(braces);
    TokenTree::Group(group).into()
}

/// Whether the function's own braces become the macro's: when they hold only the wrapper's
/// statements (`Wrap` and `Repeat`), and around a canonical `partial_cmp` or `clone` body
/// (`Some(self.cmp(other))`, `*self`) that a prologue turns into two statements. clippy's
/// `non_canonical_partial_ord_impl` and `non_canonical_clone_impl` read a method's outermost
/// block and skip it when it comes from a macro: with the user's braces they would report the
/// wrapper as the user's non-canonical body, and suggest the code already written.
pub(super) fn braces_are_generated(sig: &Signature, block: &Block, prologue: bool) -> bool {
    if !prologue {
        return true;
    }
    let canonical_name = sig.ident == "partial_cmp" || sig.ident == "clone";
    canonical_name
        && sig.receiver().is_some()
        && matches!(block.stmts.as_slice(), [Stmt::Expr(_, None)])
}

/// Braces around generated code wrapping a body: located where the user's braces are, so
/// errors about the block's type point there, but marked as generated, so lints about the
/// block itself (`unused_braces` on `fn one() -> u32 { 1 }`) do not fire.
pub(super) fn generated_braces(user_braces: Span, inner: TokenStream) -> TokenStream {
    let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, inner);
    group.set_span(Span::mixed_site().located_at(user_braces));
    TokenTree::Group(group).into()
}

/// The items a body starts with, and the rest: generated statements go between them, so that
/// clippy's `items_after_statements` does not fire on the user's items.
pub(super) fn split_leading_items(stmts: &[Stmt]) -> (&[Stmt], &[Stmt]) {
    let items = stmts
        .iter()
        .take_while(|s| matches!(s, Stmt::Item(_)))
        .count();
    stmts.split_at(items)
}

/// Gives the wrapped body a return edge of the function's return type, so `?` conversions and
/// `.collect()` in the body infer as they did before, also in `async` blocks, whose output type
/// is otherwise inferred from the body alone (tracing-attributes' "fake return edge").
pub(super) fn fake_return_edge(ty: &Type) -> TokenStream {
    fake_exit(ty, &quote_spanned!(at(ty)=> return))
}

/// `if false { <exit> never_called::<ty>(); }`: an exit of type `ty` that never runs. Its value
/// is typed `ty`, not `!`, so nothing after it is unreachable code and no lint needs an `allow`
/// (a crate may forbid `warnings` or `unreachable_code`). It is located at the return type, so
/// that rustc's "return type inferred to be `R` here" on a mismatch in the body points there
/// rather than at the attribute.
pub(super) fn fake_exit(ty: &Type, exit: &TokenStream) -> TokenStream {
    // In braces of the macro's (so rustc's `unused_braces` leaves them alone): syn, though not
    // rustc, reads `break 'label ::path` as a labeled loop, and an attribute expanding this
    // output next must be able to parse it.
    let value = generated_braces(
        syn::spanned::Spanned::span(ty),
        quote_spanned!(at(ty)=> ::errmon_runtime::__private::never_called::<#ty>()),
    );
    quote_spanned! {at(ty)=>
        if false {
            #exit #value;
        }
    }
}

/// Generated code located at the type as the user wrote it (at the attribute for the `()` of a
/// function without a return type).
fn at(ty: &Type) -> Span {
    Span::mixed_site().located_at(syn::spanned::Spanned::span(ty))
}

/// The return type as it can be written in a `let`: `()` for none, with every `impl Trait`
/// replaced by `_` (`Result<impl Iterator, E>` pins `Result<_, E>`).
pub(crate) fn pinned_return_type(output: &ReturnType) -> Option<Type> {
    match output {
        ReturnType::Default => Some(syn::parse_quote!(())),
        ReturnType::Type(_, ty) => {
            let mut ty = (**ty).clone();
            ImplTraitToInfer.visit_type_mut(&mut ty);
            Some(ty)
        }
    }
}

/// Replaces every `impl Trait` in a type by `_`.
pub(super) struct ImplTraitToInfer;

impl VisitMut for ImplTraitToInfer {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(it) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](syn::spanned::Spanned::span(&it.impl_token)),
            });
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}
