//! `monitor!("charge_card", { .. })`: a block recorded like a `#[monitored]` function of that
//! name, with its own site.
//!
//! Input:  `monitor!("charge_card", { let r = gateway.charge(card)?; save(r) })`
//! Output:
//! ```text
//! {
//!     let call = SITE.enter();                      // SITE as for an attribute: expand::site
//!     let out = if always() {
//!         let r = match Branch::branch(gateway.charge(card)) {
//!             ControlFlow::Continue(v) => v,
//!             ControlFlow::Break(out) => { <finish with &out>; return FromResidual::from_residual(out) }
//!         };
//!         save(r)
//!     } else {
//!         never_called()
//!     };
//!     <finish with &out>    // as #[monitored]: `finish(Ok)`, or `finish_err` with the error
//!     out
//! }
//! ```
//! The `if`, whose other branch does not diverge, keeps `<finish>` reachable for rustc when the
//! block always leaves (`return`, `panic!`), without an `allow(unreachable_code)` that a crate
//! forbidding it would refuse (see `errmon_runtime::__private::always`).
//!
//! The block runs inline, not in a closure, so `?`, `return`, `break` and `.await` mean what
//! they mean in any block of the enclosing function. As with Python's `with` blocks, the block
//! fails when it ends with an `Err` value or is left by a `?` on an error (recorded with that
//! error, before `From` converts it); leaving it by `return`, `break` or `continue` ends it
//! normally, as `ok` (what the function returns is the function's outcome: annotate it with
//! `#[monitored]` for that). A panic is recorded as `panic`, and anything the macro cannot see
//! (a future dropped at an `.await` inside the block, an exit hidden inside another macro such
//! as `anyhow::bail!`, or a `?` inside a nested `monitor!`, whose own block records the error)
//! as `cancelled`, by the call's guard.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, LitStr, Stmt, Token};

use crate::args::{Args, Macro};
use crate::diag::Errors;
use crate::expand::{self, Instrumentation, mentions_exit, out_ident};
use crate::{monitored, names};

const USAGE: &str = "write `monitor!(\"charge_card\", { ... })`";

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    match parse.parse2(input) {
        Ok((name, args, block)) => instrument(&name, &args, block),
        Err(e) => {
            // In braces, so that several errors are one expression.
            let errors = e.to_compile_error();
            quote!({ #errors })
        }
    }
}

fn parse(input: ParseStream<'_>) -> syn::Result<(LitStr, Args, Block)> {
    if input.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("`monitor!` needs a name and a block: {USAGE}"),
        ));
    }
    let name: LitStr = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`monitor!` takes the block's name first, as a string literal: {USAGE}"),
        )
    })?;
    names::check_function_name(&name.value()).map_err(|m| syn::Error::new(name.span(), m))?;
    if input.is_empty() {
        return Err(syn::Error::new(
            name.span(),
            format!("expected `,` and a block after the name: {USAGE}"),
        ));
    }
    input.parse::<Token![,]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected `,` and a block after the name: {USAGE}"),
        )
    })?;
    let mut args = Args::default();
    if !input.peek(syn::token::Brace) {
        let rest: TokenStream = input.parse()?;
        if let Some((options, block)) = split_options(&rest) {
            args = parse_options(options)?;
            let block: Block = syn::parse2(block)?;
            return Ok((name, args, block));
        }
        let msg = format!("`monitor!` records a block: wrap the code in braces, {USAGE}");
        return Err(if rest.is_empty() {
            syn::Error::new(input.span(), msg)
        } else {
            syn::Error::new_spanned(rest, msg)
        });
    }
    let block: Block = input.parse()?;
    let _ = input.parse::<Option<Token![,]>>()?;
    if !input.is_empty() {
        let rest: TokenStream = input.parse()?;
        return Err(syn::Error::new_spanned(
            rest,
            format!("`monitor!` takes a name and one block: {USAGE}"),
        ));
    }
    Ok((name, args, block))
}

/// `severity = "..", fields(..), labels(..), { .. }`: the options, and the block at the end.
fn split_options(rest: &TokenStream) -> Option<(TokenStream, TokenStream)> {
    let mut tokens: Vec<TokenTree> = rest.clone().into_iter().collect();
    if matches!(tokens.last(), Some(TokenTree::Punct(p)) if p.as_char() == ',') {
        tokens.pop();
    }
    let block = match tokens.pop()? {
        TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Brace => g,
        _ => return None,
    };
    match tokens.pop()? {
        TokenTree::Punct(p) if p.as_char() == ',' => {}
        _ => return None,
    }
    Some((tokens.into_iter().collect(), TokenTree::Group(block).into()))
}

/// The options `#[monitored]` takes that make sense on a block: `severity`, `fields` and
/// `labels`.
fn parse_options(options: TokenStream) -> syn::Result<Args> {
    let mut errors = Errors::default();
    let args = Args::parse(Macro::Monitored, options, &mut errors);
    if let Some(name) = &args.name {
        errors.add(
            name,
            "the block's name is `monitor!`'s first argument: remove `name = ..`",
        );
    }
    if let Some(p) = &args.predicate {
        errors.add(
            &p.key,
            format!(
                "`{}` is for functions: a block's outcome is its value's; remove it",
                p.key
            ),
        );
    }
    if let Some(skip) = &args.skip {
        errors.add(skip, "`skip` is for methods of an `impl` block: remove it");
    }
    errors.finish().map(|()| args)
}

fn instrument(name: &LitStr, args: &Args, mut block: Block) -> TokenStream {
    let mixed = Span::mixed_site();
    let site = expand::site(Macro::Monitored, &name.value(), args, name.span());
    let Instrumentation::Wrap { enter, finish, .. } = monitored::instrumentation(site, args, false)
    else {
        unreachable!("a value-returning #[monitored] wraps its body")
    };
    Exits::new(finish.clone()).visit_block_mut(&mut block);
    let out = out_ident();
    let stmts = &block.stmts;
    let mut body = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, quote!(#(#stmts)*));
    // Generated braces where the user's are, so `unused_braces` does not fire on them.
    body.set_span(Span::mixed_site().located_at(block.brace_token.span.join()));
    if !has_value(&block) {
        // A block without a value, or whose value diverges (`{ panic!(..) }`), runs as a
        // statement: its type would otherwise be left to the never type's fallback, which
        // classifying cannot use. It succeeds when it ends.
        let call = syn::Ident::new("errmon_call", mixed);
        return quote_spanned! {mixed=>
            {
                #enter
                if ::errmon_runtime::__private::always() #body else {}
                #call.finish(::errmon_runtime::__private::Outcome::Ok);
            }
        };
    }
    quote_spanned! {mixed=>
        {
            #enter
            let #out = if ::errmon_runtime::__private::always() #body else {
                ::errmon_runtime::__private::never_called()
            };
            #finish
            #out
        }
    }
}

/// Whether the block ends in an expression that may give it a value other than `()`.
fn has_value(block: &Block) -> bool {
    match block.stmts.last() {
        Some(Stmt::Expr(e, None)) => !diverges(e),
        Some(Stmt::Macro(m)) if m.semi_token.is_none() => !is_diverging_macro(&m.mac),
        _ => false,
    }
}

fn diverges(e: &Expr) -> bool {
    match e {
        Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => true,
        Expr::Macro(m) => is_diverging_macro(&m.mac),
        _ => false,
    }
}

fn is_diverging_macro(mac: &syn::Macro) -> bool {
    mac.path.segments.last().is_some_and(|s| {
        ["panic", "unreachable", "todo", "unimplemented"].contains(&s.ident.to_string().as_str())
    })
}

/// Makes every `?`, `return`, `break` and `continue` that leaves the block record its outcome
/// first. Closures, `async` blocks, `const` blocks and nested items keep their own; macro
/// arguments are rewritten when they parse as expressions (`format!("{}", x?)`), except those
/// of a nested `monitor!`, whose block records its own exits.
struct Exits {
    /// The `finish` statement, which reads the out local.
    finish: TokenStream,
    /// `finish` with `Outcome::Ok`.
    finish_ok: TokenStream,
    /// Loops entered inside the block, for an unlabeled `break` or `continue`.
    loops: usize,
    /// Labels of loops and blocks inside the block.
    labels: Vec<syn::Lifetime>,
}

impl Exits {
    fn new(finish: TokenStream) -> Self {
        let call = syn::Ident::new("errmon_call", Span::mixed_site());
        let finish_ok = quote_spanned!(Span::mixed_site()=>
            #call.finish(::errmon_runtime::__private::Outcome::Ok););
        Exits {
            finish,
            finish_ok,
            loops: 0,
            labels: Vec::new(),
        }
    }

    fn question_mark(&self, t: syn::ExprTry) -> Expr {
        // Located at the `?`, so a type error (`?` on a type that is not `Try`, an error
        // without `From`) points at it.
        let at = Span::mixed_site().located_at(t.question_token.span);
        let value = syn::Ident::new("errmon_value", at);
        let out = out_ident();
        let finish = &self.finish;
        // Parsed, not verbatim, so that syn parenthesizes it where needed (`x? + 1`).
        let mut m: syn::ExprMatch = syn::parse_quote_spanned! {at=>
            match ::errmon_runtime::__private::Branch::branch(()) {
                ::core::ops::ControlFlow::Continue(#value) => #value,
                ::core::ops::ControlFlow::Break(#out) => {
                    #finish
                    return <_ as ::errmon_runtime::__private::FromResidual<_>>::from_residual(#out);
                }
            }
        };
        let Expr::Call(call) = &mut *m.expr else {
            unreachable!("parsed above as a call")
        };
        call.args = std::iter::once(*t.expr).collect();
        m.attrs = t.attrs;
        Expr::Match(m)
    }

    /// `{ let v = value; <finish ok>; return v; }`: the value is computed inside the block.
    fn leave(&self, exit: TokenStream, value: Option<Box<Expr>>) -> Expr {
        let mixed = Span::mixed_site();
        let finish = &self.finish_ok;
        let v = syn::Ident::new("errmon_exit_value", mixed);
        let block: syn::ExprBlock = match value {
            Some(value) => syn::parse_quote_spanned! {mixed=>
                { let #v = #value; #finish #exit #v }
            },
            None => syn::parse_quote_spanned! {mixed=> { #finish #exit } },
        };
        Expr::Block(block)
    }

    fn leaves_block(&self, label: Option<&syn::Lifetime>) -> bool {
        match label {
            Some(l) => !self.labels.contains(l),
            None => self.loops == 0,
        }
    }

    fn visit_macro_input(&mut self, mac: &mut syn::Macro) {
        if !mentions_exit(mac.tokens.clone())
            || mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "monitor")
        {
            return;
        }
        let list = Punctuated::<Expr, Token![,]>::parse_terminated;
        if let Ok(mut args) = list.parse2(mac.tokens.clone()) {
            for arg in &mut args {
                self.visit_expr_mut(arg);
            }
            mac.tokens = args.into_token_stream();
        }
    }

    fn inside_loop(&mut self, label: Option<&syn::Label>, e: &mut Expr) {
        self.loops += 1;
        self.labels.extend(label.map(|l| l.name.clone()));
        visit_mut::visit_expr_mut(self, e);
        if label.is_some() {
            self.labels.pop();
        }
        self.loops -= 1;
    }
}

impl VisitMut for Exits {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) | Expr::TryBlock(_) => return,
            Expr::Macro(m) => return self.visit_macro_input(&mut m.mac),
            Expr::Loop(l) => {
                let label = l.label.clone();
                return self.inside_loop(label.as_ref(), e);
            }
            Expr::While(w) => {
                let label = w.label.clone();
                return self.inside_loop(label.as_ref(), e);
            }
            Expr::ForLoop(f) => {
                let label = f.label.clone();
                return self.inside_loop(label.as_ref(), e);
            }
            Expr::Block(b) if b.label.is_some() => {
                let label = b.label.as_ref().map(|l| l.name.clone());
                self.labels.extend(label);
                visit_mut::visit_expr_mut(self, e);
                self.labels.pop();
                return;
            }
            _ => {}
        }
        visit_mut::visit_expr_mut(self, e);
        let placeholder = Expr::Verbatim(TokenStream::new());
        match std::mem::replace(e, placeholder) {
            Expr::Return(r) => {
                let ret = r.return_token;
                *e = self.leave(quote!(#ret), r.expr);
            }
            Expr::Break(b) if self.leaves_block(b.label.as_ref()) => {
                let (brk, label) = (b.break_token, &b.label);
                *e = self.leave(quote!(#brk #label), b.expr);
            }
            Expr::Continue(c) if self.leaves_block(c.label.as_ref()) => {
                let (cont, label) = (c.continue_token, &c.label);
                *e = self.leave(quote!(#cont #label), None);
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

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn error(input: proc_macro2::TokenStream) -> String {
        let out = super::expand(input).to_string();
        assert!(out.starts_with("{ :: core :: compile_error !"), "{out}");
        out
    }

    #[test]
    fn the_name_comes_first_and_is_checked() {
        assert!(error(quote!()).contains("needs a name and a block"));
        assert!(error(quote!(charge, {})).contains("name first, as a string literal"));
        assert!(error(quote!("charge card", {})).contains("a space"));
        assert!(error(quote!("", {})).contains("empty name"));
        assert!(error(quote!("charge" {})).contains("expected `,`"));
        assert!(error(quote!("charge", 1 + 2)).contains("wrap the code in braces"));
        assert!(error(quote!("charge", {}, {})).contains("a name and one block"));
        assert!(error(quote!("charge", name = "x", {})).contains("first argument"));
        assert!(error(quote!("charge", ok_if = f, {})).contains("`ok_if` is for functions"));
        assert!(error(quote!("charge", severity = "bad", {})).contains("unknown severity"));
        assert!(error(quote!("charge", sevrity = "info", {})).contains("did you mean `severity`"));
        let out = super::expand(quote!(
            "charge",
            severity = "warning",
            labels(tier = "gold"),
            fields(id = id),
            { 1 }
        ))
        .to_string();
        assert!(out.contains("Severity :: Warning"), "{out}");
        assert!(out.contains("(\"tier\" , \"gold\")"), "{out}");
    }

    #[test]
    fn exits_record_before_leaving_but_closures_keep_theirs() {
        let out = super::expand(quote!("charge", {
            let a = f()?;
            let g = || h()?;
            if a {
                return 1;
            }
            a
        }))
        .to_string();
        assert_eq!(out.matches("Branch :: branch").count(), 1, "{out}");
        // The `?` and the block's end; the `return` ends the block as `ok`.
        assert_eq!(out.matches("finish_err").count(), 2, "{out}");
        assert_eq!(
            out.matches("finish (:: errmon_runtime :: __private :: Outcome :: Ok)")
                .count(),
            1,
            "{out}"
        );
    }
}
