//! The one function rewriter every instrumenting macro shares.
//!
//! A macro decides *what* to record ([`Instrumentation`]); this module decides *how* a function
//! keeps its signature, attributes, spans and behaviour while being recorded: sync or async,
//! free function or method, generic or not, `#[track_caller]`, or already expanded by
//! `#[async_trait]`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Block, Expr, ReturnType, Signature, Stmt, Token, Type};

use crate::args::{Args, Label, Macro};

/// What a macro adds to a function.
pub(crate) enum Instrumentation {
    /// Statements run before the body, which stays as it is. Enough for what does not need the
    /// returned value: `#[count_calls]`, and `#[timed]`, whose guard records when it drops.
    Prologue(TokenStream),
    /// The body runs in its own scope so its value (including early `return` and `?`) is seen:
    /// `enter` runs first, then `let <out> = <body>;`, then `finish` (one statement), which may
    /// read `<out>` (see [`out_ident`]); the value is then returned.
    Wrap {
        enter: TokenStream,
        finish: TokenStream,
    },
}

/// The local holding the body's value, with mixed-site hygiene so user code cannot name it.
pub(crate) fn out_ident() -> syn::Ident {
    syn::Ident::new("errmon_out", Span::mixed_site())
}

/// A function taken apart: attributes outside and inside the body, everything before the
/// signature (visibility, `default`), the signature and the body.
pub(crate) struct FnParts {
    pub attrs: Vec<Attribute>,
    pub prefix: TokenStream,
    pub sig: Signature,
    pub block: Block,
}

impl FnParts {
    pub(crate) fn from_item(f: syn::ItemFn) -> Self {
        FnParts {
            attrs: f.attrs,
            prefix: f.vis.into_token_stream(),
            sig: f.sig,
            block: *f.block,
        }
    }

    pub(crate) fn from_impl(f: syn::ImplItemFn) -> Self {
        let mut prefix = f.vis.into_token_stream();
        f.defaultness.to_tokens(&mut prefix);
        FnParts {
            attrs: f.attrs,
            prefix,
            sig: f.sig,
            block: f.block,
        }
    }

    /// The function label for a free function: the identifier, without `r#`.
    pub(crate) fn ident_name(&self) -> String {
        let s = self.sig.ident.to_string();
        s.strip_prefix("r#").map_or(s.clone(), str::to_owned)
    }

    /// The type of the value the call produces: the declared return type, or the output of the
    /// future when `#[async_trait]` already turned the method into one.
    pub(crate) fn value_type(&self) -> Option<Type> {
        match async_trait_output(&self.sig, &self.block) {
            Some(AsyncTraitOutput(output)) => output,
            None => match &self.sig.output {
                ReturnType::Default => None,
                ReturnType::Type(_, ty) => Some((**ty).clone()),
            },
        }
    }

    pub(crate) fn returns_never(&self) -> bool {
        matches!(&self.sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)))
    }
}

/// The per-callsite static, as an expression of type `&'static Site`.
///
/// Input: `#[monitored] fn load()` in `app::db`.
/// Output: `{ static SITE: Site = Site::new(Meta { function: "load", module: module_path!(), .. });
///            inventory::submit!(Registration(&SITE)); &SITE }`
///
/// The static sits in its own block so it cannot collide with the user's items, and
/// `inventory` links it into the registry at start-up so the function is exported at zero
/// before its first call.
pub(crate) fn site(mac: Macro, function: &str, args: &Args, sig: &Signature) -> TokenStream {
    let kind = match mac {
        Macro::CountCalls => quote!(Count),
        Macro::Timed => quote!(Timed),
        Macro::Monitored => quote!(Monitored),
    };
    site_tokens(&kind, function, &args.labels, sig)
}

/// [`site`] for a `Kind` variant given as tokens, for macros that are not a [`Macro`].
pub(crate) fn site_tokens(
    kind: &TokenStream,
    function: &str,
    labels: &[Label],
    sig: &Signature,
) -> TokenStream {
    let keys = labels.iter().map(|l| {
        let k = l.key.to_string();
        k.strip_prefix("r#").map_or(k.clone(), str::to_owned)
    });
    let values = labels.iter().map(|l| &l.value);
    let name = Span::mixed_site();
    let site = syn::Ident::new("ERRMON_SITE", name);
    // `line!()` spanned on the function's name, so it names the function's line.
    let line = quote_spanned!(sig.ident.span()=> ::core::line!());
    quote_spanned! {name=>
        {
            static #site: ::errmon_runtime::__private::Site =
                ::errmon_runtime::__private::Site::new(::errmon_runtime::__private::Meta {
                    function: #function,
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    line: #line,
                    kind: ::errmon_runtime::__private::Kind::#kind,
                    labels: &[#((#keys, #values)),*],
                });
            ::errmon_runtime::__private::inventory::submit! {
                ::errmon_runtime::__private::Registration(&#site)
            }
            &#site
        }
    }
}

/// How a wrapped body runs so that its `return` and `?` end up in the wrapper's `let`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    /// `call_once(move || body)`: a sync function.
    Closure,
    /// `async move { body }.await`: an `async fn`, or the future of an `#[async_trait]` method.
    Async,
    /// `'body: { body }` with `return` and `?` rewritten to break out of it: a sync
    /// `#[track_caller]` function, whose body must not move into a closure.
    Inline,
}

/// Rewrites a function with the given instrumentation.
///
/// Input:  `#[attrs] pub fn f(x: T) -> R { #![inner] body }`
/// Output, for `Prologue(p)`: `#[attrs] pub fn f(x: T) -> R { #![inner] items p statements }`,
/// where `items` are the items the body starts with (so clippy's `items_after_statements` does
/// not fire on them).
/// Output, for `Wrap { enter, finish }`, sync:
/// ```text
/// #[attrs] pub fn f(x: T) -> R {
///     #![inner]
///     enter
///     let out: R = call_once(move || { let _ = (&x,); <fake return edge: R>; { body } });
///     finish
///     out
/// }
/// ```
/// and async: the same with `async move { .. }.await` as the value. The first statement fixes
/// the order in which arguments are dropped ([`capture_in_drop_order`]). For a sync
/// `#[track_caller]` function, see [`Run::Inline`] and [`Exits`].
///
/// A function that `#[async_trait]` expanded first is instrumented inside its future:
/// ```text
/// fn f<'life0, 'async_trait>(&'life0 self) -> Pin<Box<dyn Future<Output = R> + Send + 'async_trait>> {
///     Box::pin(async move { <instrumented as an async fn returning R> })
/// }
/// ```
/// so that, as for a plain `async fn`, the call is counted and timed when the future is polled
/// and its outcome is that of the awaited value, not of the construction of the box.
pub(crate) fn rewrite(parts: FnParts, inst: Instrumentation) -> TokenStream {
    let FnParts {
        attrs,
        prefix,
        sig,
        mut block,
    } = parts;
    let (outer, inner): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, syn::AttrStyle::Outer));
    let braces = block.brace_token.span.join();
    let body = if let Some(AsyncTraitOutput(output)) = async_trait_output(&sig, &block) {
        let future = async_trait_future(&mut block).expect("checked by `async_trait_output`");
        // `#[async_trait]` already moved every argument into its block, as locals.
        let inner_body = instrument(
            inst,
            Run::Async,
            output,
            future.block.clone(),
            TokenStream::new(),
        );
        future.block.stmts = vec![Stmt::Expr(Expr::Verbatim(inner_body), None)];
        let stmts = &block.stmts;
        quote!(#(#stmts)*)
    } else {
        let run = if sig.asyncness.is_some() {
            Run::Async
        } else if outer.iter().any(|a| a.path().is_ident("track_caller")) {
            Run::Inline
        } else {
            Run::Closure
        };
        let captures = capture_in_drop_order(&sig, &block);
        instrument(inst, run, pinned_return_type(&sig.output), block, captures)
    };
    let mut out = TokenStream::new();
    for a in &outer {
        a.to_tokens(&mut out);
    }
    out.extend(prefix);
    sig.to_tokens(&mut out);
    let mut inner_tokens = TokenStream::new();
    for a in &inner {
        a.to_tokens(&mut inner_tokens);
    }
    let mut group =
        proc_macro2::Group::new(proc_macro2::Delimiter::Brace, quote!(#inner_tokens #body));
    group.set_span(braces);
    out.extend([TokenTree::Group(group)]);
    out
}

/// The statements of an instrumented body.
fn instrument(
    inst: Instrumentation,
    run: Run,
    output: Option<Type>,
    block: Block,
    captures: TokenStream,
) -> TokenStream {
    match inst {
        Instrumentation::Prologue(prologue) => {
            let (items, rest) = split_leading_items(&block.stmts);
            quote!(#(#items)* #prologue #(#rest)*)
        }
        Instrumentation::Wrap { enter, finish } => {
            wrap(run, output, block, captures, enter, finish)
        }
    }
}

fn wrap(
    run: Run,
    output: Option<Type>,
    block: Block,
    captures: TokenStream,
    enter: TokenStream,
    finish: TokenStream,
) -> TokenStream {
    let out = out_ident();
    let annotation = output.as_ref().map(|ty| quote!(: #ty));
    let mixed = Span::mixed_site();
    let braces = block.brace_token.span.join();
    let value = match run {
        Run::Closure => {
            let fake_return = output.as_ref().map(fake_return_edge);
            let stmts = &block.stmts;
            let body = generated_braces(braces, quote!(#(#stmts)*));
            quote_spanned!(mixed=> ::errmon_runtime::__private::call_once(move || { #captures #fake_return #body }))
        }
        Run::Async => {
            let fake_return = output.as_ref().map(fake_return_edge);
            let stmts = &block.stmts;
            let body = generated_braces(braces, quote!(#(#stmts)*));
            quote_spanned!(mixed=> async move { #captures #fake_return #body }.await)
        }
        Run::Inline => inline_value(output.as_ref(), block),
    };
    // `finish` is one statement; when the body diverges it is unreachable, and rustc reports
    // only the first unreachable statement of a block.
    let allow = (!finish.is_empty()).then(|| quote_spanned!(mixed=> #[allow(unreachable_code)]));
    quote_spanned! {mixed=>
        #enter
        let #out #annotation = #value;
        #allow
        #finish
        #out
    }
}

/// Makes a closure or `async` block that runs a body drop the arguments as the function would.
///
/// A function drops its arguments after the body's locals, last argument first. A `move`
/// closure or `async move` block drops what it captured in the order the body first mentions
/// it, and does not capture what the body does not mention. Mentioning the arguments last-first
/// before the body gives it the function's order:
///
/// Input:  `fn f(a: A, (b, c): (B, C), unused: D) { body }`
/// Output: `let _ = (&c, &b, &a);` as the first statement of the closure or `async` block
///
/// Arguments the body never names are left out, so their `unused_variables` warning still
/// fires; they, `_` arguments and the `..` rest of destructured arguments are dropped after
/// the others, when the function returns.
fn capture_in_drop_order(sig: &Signature, block: &Block) -> TokenStream {
    let mut bindings = Vec::new();
    for arg in &sig.inputs {
        match arg {
            syn::FnArg::Receiver(r) => bindings.push(syn::Ident::new("self", r.self_token.span)),
            syn::FnArg::Typed(t) => pattern_bindings(&t.pat, &mut bindings),
        }
    }
    let mut named = std::collections::HashSet::new();
    idents_in(block.to_token_stream(), &mut named);
    let mentioned: Vec<_> = bindings
        .into_iter()
        .rev()
        .filter(|b| named.contains(&b.to_string()))
        .collect();
    if mentioned.is_empty() {
        return TokenStream::new();
    }
    quote_spanned!(Span::mixed_site()=> let _ = (#(&#mentioned,)*);)
}

/// The variables a parameter pattern binds, in order.
fn pattern_bindings(pat: &syn::Pat, out: &mut Vec<syn::Ident>) {
    match pat {
        syn::Pat::Ident(p) => {
            out.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                pattern_bindings(sub, out);
            }
        }
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| pattern_bindings(p, out)),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pattern_bindings(p, out)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| pattern_bindings(&f.pat, out)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|p| pattern_bindings(p, out)),
        syn::Pat::Reference(r) => pattern_bindings(&r.pat, out),
        syn::Pat::Paren(p) => pattern_bindings(&p.pat, out),
        syn::Pat::Type(t) => pattern_bindings(&t.pat, out),
        _ => {}
    }
}

/// The identifiers in `tokens` that may name a local variable: not those after `.` (a field or
/// method, as in `p.x`) or `::` (a path segment).
fn idents_in(tokens: TokenStream, out: &mut std::collections::HashSet<String>) {
    let mut after_dot_or_path = false;
    let mut prev_colon = false;
    for tt in tokens {
        let (dot_or_path, colon) = match &tt {
            TokenTree::Ident(i) => {
                if !after_dot_or_path {
                    out.insert(i.to_string());
                }
                (false, false)
            }
            TokenTree::Group(g) => {
                idents_in(g.stream(), out);
                (false, false)
            }
            TokenTree::Punct(p) => match p.as_char() {
                '.' => (true, false),
                ':' => (prev_colon, true),
                _ => (false, false),
            },
            TokenTree::Literal(_) => (false, false),
        };
        after_dot_or_path = dot_or_path;
        prev_colon = colon;
    }
}

/// Braces around generated code wrapping a body: located where the user's braces are, so
/// errors about the block's type point there, but marked as generated, so lints about the
/// block itself (`unused_braces` on `fn one() -> u32 { 1 }`) do not fire.
/// The body as a labeled block that evaluates to its value, for `#[track_caller]` functions,
/// whose body cannot move into a closure: `return v` becomes `break 'errmon_body v`, and `e?`
/// the stable spelling of its desugaring (see [`Exits`]).
pub(crate) fn inline_value(output: Option<&Type>, mut block: Block) -> TokenStream {
    let mixed = Span::mixed_site();
    let braces = block.brace_token.span.join();
    let label = syn::Lifetime::new("'errmon_body", mixed);
    let mut exits = Exits {
        label: label.clone(),
        errors: None,
    };
    exits.visit_block_mut(&mut block);
    let errors = exits.errors.map(|e| e.to_compile_error());
    // The edge also keeps the block from having type `!` when the body diverges
    // (`panic!()`, `loop {}`), which clippy would report as a diverging sub-expression.
    let fake_break = output.map(|ty| fake_exit(ty, &quote_spanned!(mixed=> break #label)));
    let (items, stmts) = split_leading_items(&block.stmts);
    let body = generated_braces(braces, quote!(#(#items)* #fake_break #(#stmts)*));
    quote_spanned!(mixed=> { #errors #label: #body })
}

fn generated_braces(user_braces: Span, inner: TokenStream) -> TokenStream {
    let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, inner);
    group.set_span(Span::mixed_site().located_at(user_braces));
    TokenTree::Group(group).into()
}

/// The items a body starts with, and the rest: generated statements go between them, so that
/// clippy's `items_after_statements` does not fire on the user's items.
fn split_leading_items(stmts: &[Stmt]) -> (&[Stmt], &[Stmt]) {
    let items = stmts
        .iter()
        .take_while(|s| matches!(s, Stmt::Item(_)))
        .count();
    stmts.split_at(items)
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
        let repeat = |input: syn::parse::ParseStream| {
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
            "#[monitored] cannot see a `return` or `?` inside this macro call, whose input is not a list of expressions, in a #[track_caller] fn; move the `return` or `?` out of the macro call",
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

/// `break 'label ::path` is read by syn (though not by rustc) as a labeled loop `'label: ..`;
/// an invisible group around such a value keeps the output readable by other attribute macros
/// without the `unused_parens` warning real parentheses would get.
fn unambiguous_break_value(value: Expr) -> Expr {
    let starts_with_colon = value
        .to_token_stream()
        .into_iter()
        .next()
        .is_some_and(|tt| matches!(tt, TokenTree::Punct(p) if p.as_char() == ':'));
    if !starts_with_colon {
        return value;
    }
    Expr::Group(syn::ExprGroup {
        attrs: Vec::new(),
        group_token: syn::token::Group(Span::mixed_site()),
        expr: Box::new(value),
    })
}

/// Whether macro input contains a `return` or a `?` token.
fn mentions_exit(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "return",
        TokenTree::Punct(p) => p.as_char() == '?',
        TokenTree::Group(g) => mentions_exit(g.stream()),
        TokenTree::Literal(_) => false,
    })
}

/// The output type of a future that `#[async_trait]` built, when known.
struct AsyncTraitOutput(Option<Type>);

/// Recognises a method that `#[async_trait]` already expanded: a sync `fn` returning
/// `Pin<Box<dyn Future<Output = R> + ..>>` whose body is `Box::pin(async move { .. })`.
/// tracing-attributes recognises it the same way.
fn async_trait_output(sig: &Signature, block: &Block) -> Option<AsyncTraitOutput> {
    // `#[async_trait]` always adds this lifetime; a hand-written boxed future is left alone.
    let marked = sig
        .generics
        .lifetimes()
        .any(|l| l.lifetime.ident == "async_trait");
    if sig.asyncness.is_some() || !marked {
        return None;
    }
    let ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let Type::Path(pin) = &**ty else { return None };
    if pin.path.segments.last()?.ident != "Pin" {
        return None;
    }
    let [Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_slice() else {
        return None;
    };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    let names: Vec<_> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !names.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    let Some(Expr::Async(future)) = call.args.first() else {
        return None;
    };
    future.capture?;
    // `syn::visit` is not enabled; a mutable visit of a copy finds the bound as well.
    let mut finder = FutureOutput(None);
    finder.visit_type_path_mut(&mut pin.clone());
    let output = finder.0.map(|mut ty| {
        ImplTraitToInfer.visit_type_mut(&mut ty);
        ty
    });
    Some(AsyncTraitOutput(output))
}

/// The `async move` block of a body recognised by [`async_trait_output`].
fn async_trait_future(block: &mut Block) -> Option<&mut syn::ExprAsync> {
    let Some(Stmt::Expr(Expr::Call(call), None)) = block.stmts.first_mut() else {
        return None;
    };
    match call.args.first_mut() {
        Some(Expr::Async(future)) => Some(future),
        _ => None,
    }
}

/// Finds `Output = R` in `Pin<Box<dyn Future<Output = R> + ..>>`.
struct FutureOutput(Option<Type>);

impl VisitMut for FutureOutput {
    fn visit_trait_bound_mut(&mut self, bound: &mut syn::TraitBound) {
        let Some(last) = bound.path.segments.last() else {
            return;
        };
        if last.ident != "Future" {
            return;
        }
        if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
            for arg in &args.args {
                if let syn::GenericArgument::AssocType(assoc) = arg {
                    if assoc.ident == "Output" {
                        self.0 = Some(assoc.ty.clone());
                    }
                }
            }
        }
    }
}

/// Gives the wrapped body a return edge of the function's return type, so `?` conversions and
/// `.collect()` in the body infer as they did before, also in `async` blocks, whose output type
/// is otherwise inferred from the body alone.
pub(crate) fn fake_return_edge(ty: &Type) -> TokenStream {
    fake_exit(ty, &quote_spanned!(Span::mixed_site()=> return))
}

/// `if false { let v: ty = loop {}; <exit> v; }`: an exit of type `ty` that never runs.
fn fake_exit(ty: &Type, exit: &TokenStream) -> TokenStream {
    let ret = format_ident!("errmon_fake_return", span = Span::mixed_site());
    quote_spanned! {Span::mixed_site()=>
        #[allow(
            unknown_lints,
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::let_with_type_underscore,
            clippy::needless_return,
            clippy::unreachable
        )]
        if false {
            let #ret: #ty = loop {};
            #exit #ret;
        }
    }
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

struct ImplTraitToInfer;

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

/// `Wrapper < T , u8 >` as `Wrapper<T, u8>`: the tokens of a type written the way rustfmt
/// would, for the `Type::method` label.
pub(crate) fn compact_type(ty: &Type) -> String {
    let mut out = String::new();
    push_compact(&mut out, ty.to_token_stream());
    out
}

fn push_compact(out: &mut String, tokens: TokenStream) {
    let mut prev_word = false;
    let mut prev_joint_quote = false;
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) => {
                if prev_word && !prev_joint_quote {
                    out.push(' ');
                }
                out.push_str(&i.to_string());
                prev_word = true;
                prev_joint_quote = false;
            }
            TokenTree::Literal(l) => {
                if prev_word {
                    out.push(' ');
                }
                out.push_str(&l.to_string());
                prev_word = true;
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                match c {
                    ',' | ';' => out.push_str(&format!("{c} ")),
                    '-' if p.spacing() == proc_macro2::Spacing::Joint => out.push_str(" -"),
                    '>' if out.ends_with(" -") => out.push_str("> "),
                    '+' | '=' => {
                        if !out.ends_with(' ') {
                            out.push(' ');
                        }
                        out.push(c);
                        out.push(' ');
                    }
                    _ => out.push(c),
                }
                prev_joint_quote = c == '\'';
                prev_word = false;
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                push_compact(out, g.stream());
                out.push_str(close);
                prev_word = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::compact_type;

    #[test]
    fn types_are_rendered_without_stray_spaces() {
        let cases = [
            ("Wrapper < T >", "Wrapper<T>"),
            ("Cache<'a, K, V>", "Cache<'a, K, V>"),
            (
                "Vec<Box<dyn Fn(u8) -> u8 + Send>>",
                "Vec<Box<dyn Fn(u8) -> u8 + Send>>",
            ),
            ("[u8; 4]", "[u8; 4]"),
            ("&'static mut str", "&'static mut str"),
            ("Pair<T, { N }>", "Pair<T, {N}>"),
        ];
        for (input, expected) in cases {
            let ty: syn::Type = syn::parse_str(input).unwrap();
            assert_eq!(compact_type(&ty), expected, "{input}");
        }
    }
}
