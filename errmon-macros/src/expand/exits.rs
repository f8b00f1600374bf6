//! The `#[track_caller]` path: the body runs inline instead of in a closure, so every way out
//! of it is rewritten to reach the wrapper.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Stmt, Token, Type};

use super::body;
use crate::args::Macro;

/// The body as a labeled block that evaluates to its value, for `#[track_caller]` functions,
/// whose body cannot move into a closure: `return v` becomes `break 'errmon_<macro>_body v`, and `e?`
/// the stable spelling of its desugaring (see [`Exits`]).
pub(super) fn inline_value(mac: Macro, output: Option<&Type>, mut block: Block) -> TokenStream {
    let mixed = Span::mixed_site();
    // One label per macro: `#[monitored] #[retry] #[track_caller]` nests two inline bodies, and
    // rustc warns when a label shadows another.
    let label = syn::Lifetime::new(&format!("'errmon_{}_body", mac.name()), mixed);
    let mut exits = Exits {
        label: label.clone(),
        mac,
        errors: None,
    };
    exits.visit_block_mut(&mut block);
    let errors = exits.errors.map(|e| e.to_compile_error());
    // The edge also keeps the block from having type `!` when the body diverges
    // (`panic!()`, `loop {}`), which clippy would report as a diverging sub-expression.
    // Outside the body's braces, so that the body's own items (a glob import shadowing the
    // return type's name) do not change what the type names.
    let fake_break = output.map(|ty| {
        let at = mixed.located_at(syn::spanned::Spanned::span(ty));
        body::fake_exit(ty, &quote_spanned!(at=> break #label))
    });
    let stmts = &block.stmts;
    let body = body::body_braces(&block, quote!(#(#stmts)*));
    quote_spanned!(mixed=> { #errors #label: { #fake_break #body } })
}

/// Rewrites the ways out of a `#[track_caller]` body that runs inline in the block labeled
/// `label`, so that they reach the code after it: `return v` becomes `break 'label v`, and
/// `e?` becomes the stable spelling of its desugaring (see `errmon_runtime::__private::Branch`):
///
/// ```text
/// match Branch::branch(e) {
///     ControlFlow::Continue(v) => v,
///     ControlFlow::Break(r) => break 'label FromResidual::from_residual(r),
/// }
/// ```
///
/// Closures, `async` blocks, `const` blocks and nested items keep their own `return` and `?`.
/// Macro arguments are rewritten when they parse as expressions (`format!("{}", x?)`); other
/// macro input that contains `return` or `?` is an error, since the wrapper would not see those
/// exits. A macro that expands to a `return` it does not show (`anyhow::bail!`) is not seen.
struct Exits {
    label: syn::Lifetime,
    /// The attribute being expanded, named in errors.
    mac: Macro,
    errors: Option<syn::Error>,
}

impl Exits {
    fn visit_macro_input(&mut self, mac: &mut syn::Macro) {
        if !mentions_exit(mac.tokens.clone()) {
            return;
        }
        let list = Punctuated::<Expr, Token![,]>::parse_terminated;
        if let Ok(mut args) = list.parse2(mac.tokens.clone()) {
            for arg in &mut args {
                self.visit_expr_mut(arg);
            }
            mac.tokens = args.into_token_stream();
            return;
        }
        // `vec![e; n]`
        let repeat = |input: syn::parse::ParseStream<'_>| {
            let value: Expr = input.parse()?;
            let semi: Token![;] = input.parse()?;
            let len: Expr = input.parse()?;
            Ok((value, semi, len))
        };
        if let Ok((mut value, semi, mut len)) = repeat.parse2(mac.tokens.clone()) {
            self.visit_expr_mut(&mut value);
            self.visit_expr_mut(&mut len);
            mac.tokens = quote!(#value #semi #len);
            return;
        }
        let e = syn::Error::new_spanned(
            &*mac,
            format!(
                "#[{}] cannot see a `return` or `?` inside this macro call, whose input is not a list of expressions, in a #[track_caller] fn; move the `return` or `?` out of the macro call",
                self.mac.name()
            ),
        );
        match &mut self.errors {
            Some(errors) => errors.combine(e),
            None => self.errors = Some(e),
        }
    }

    fn question_mark(&self, t: syn::ExprTry) -> Expr {
        // Generated tokens located at the `?`, so that a type error (`?` on a type that is not
        // `Try`, an error without `From`) points at it, once.
        let at = Span::mixed_site().located_at(t.question_token.span);
        let value = syn::Ident::new("errmon_value", at);
        let residual = syn::Ident::new("errmon_residual", at);
        let label = &self.label;
        // Qualified, since syn would read `break 'label ::path` as a labeled loop.
        let mut m: syn::ExprMatch = syn::parse_quote_spanned! {at=>
            match ::errmon_runtime::__private::Branch::branch(()) {
                ::core::ops::ControlFlow::Continue(#value) => #value,
                ::core::ops::ControlFlow::Break(#residual) => break #label
                    <_ as ::errmon_runtime::__private::FromResidual<_>>::from_residual(#residual),
            }
        };
        let Expr::Call(call) = &mut *m.expr else {
            unreachable!("parsed above as a call")
        };
        call.args = std::iter::once(*t.expr).collect();
        m.attrs = t.attrs;
        Expr::Match(m)
    }
}

impl VisitMut for Exits {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            // They have their own `return` and `?`.
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) | Expr::TryBlock(_) => return,
            Expr::Macro(m) => return self.visit_macro_input(&mut m.mac),
            _ => {}
        }
        visit_mut::visit_expr_mut(self, e);
        let placeholder = Expr::Verbatim(TokenStream::new());
        match std::mem::replace(e, placeholder) {
            Expr::Return(r) => {
                *e = Expr::Break(syn::ExprBreak {
                    attrs: r.attrs,
                    break_token: Token![break](r.return_token.span),
                    label: Some(self.label.clone()),
                    expr: r.expr.map(|v| Box::new(unambiguous_break_value(*v))),
                });
            }
            Expr::Try(t) => *e = self.question_mark(t),
            other => *e = other,
        }
    }

    fn visit_stmt_mut(&mut self, s: &mut Stmt) {
        match s {
            Stmt::Macro(m) => self.visit_macro_input(&mut m.mac),
            Stmt::Item(_) => {}
            _ => visit_mut::visit_stmt_mut(self, s),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    // Macros in patterns and types are left alone; those in expressions and statements are
    // handled above.
    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}

/// `break 'label ::path` is read by syn (though not by rustc) as a labeled loop `'label: ..`,
/// also through an invisible group; braces of the macro's around such a value keep the output
/// readable by the attribute expanding it next (`#[monitored]` over `#[retry]`), without the
/// `unused_braces` warning braces of the user's would get.
fn unambiguous_break_value(value: Expr) -> Expr {
    let starts_with_colon = value
        .to_token_stream()
        .into_iter()
        .next()
        .is_some_and(|tt| matches!(tt, TokenTree::Punct(p) if p.as_char() == ':'));
    if !starts_with_colon {
        return value;
    }
    let at = syn::spanned::Spanned::span(&value);
    Expr::Verbatim(body::generated_braces(at, value.into_token_stream()))
}

/// Whether macro input contains a `return`, or a `?` that follows an expression and so may be
/// the operator: tracing's `?` sigil (`info!(?a)`, `error!(err = ?e, "..")`) follows a `,`, a
/// `=` or nothing, and is not one.
pub(crate) fn mentions_exit(tokens: TokenStream) -> bool {
    let mut after_operand = false;
    for tt in tokens {
        let (exit, operand) = match &tt {
            TokenTree::Ident(i) => (i == "return", true),
            TokenTree::Punct(p) => (p.as_char() == '?' && after_operand, p.as_char() == '?'),
            TokenTree::Group(g) => (mentions_exit(g.stream()), true),
            TokenTree::Literal(_) => (false, true),
        };
        if exit {
            return true;
        }
        after_operand = operand;
    }
    false
}
