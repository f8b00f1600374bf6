//! The one function rewriter every macro goes through, `#[retry]` included.
//!
//! A macro decides *what* to record ([`Instrumentation`]); this module decides *how* a function
//! keeps its signature, attributes, spans and behaviour while its body is wrapped: sync or
//! async, free function or method, generic or not, `#[track_caller]` ([`exits`]), already
//! expanded by `#[async_trait]` ([`async_trait`]), or sync and returning a future
//! ([`returned`]); its arguments drop in their order ([`drop_order`]). Because every macro
//! wraps bodies here, a lint avoided or a diagnostic fixed for one is fixed for all four.

mod async_trait;
mod body;
mod drop_order;
mod exits;
mod returned;
mod site;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Attribute, Block, Expr, ReturnType, Signature, Stmt, Type};

pub(crate) use body::pinned_return_type;
pub(crate) use exits::mentions_exit;
pub(crate) use returned::future_type;
pub(crate) use site::site;

use crate::args::Macro;

/// What a macro adds to a function.
pub(crate) enum Instrumentation {
    /// Statements run before the body, which stays as it is. Enough for what does not need the
    /// returned value: `#[count_calls]`, and `#[timed]`, whose guard records when it drops.
    Prologue(TokenStream),
    /// The body runs once in its own scope so its value (including early `return` and `?`) is
    /// seen: `enter` runs first, then `let <out> = <body>;`, then `finish` (one statement),
    /// which may read `<out>` (see [`out_ident`]); the value is then returned. `#[monitored]`.
    Wrap {
        enter: TokenStream,
        finish: TokenStream,
        /// How an async body runs instead, when it needs to know when it is polled.
        in_call: Option<InCall>,
        /// How a future returned by a sync function is wrapped when it cannot be instrumented
        /// from inside (see [`returned`]); without it, such a function is instrumented as
        /// any sync function, when the future is built.
        returned: Option<WrapReturned>,
    },
    /// The body runs in a loop until `settle` breaks out of it with the function's value:
    /// `setup` runs first, then each round runs `each`, `let <out> = <body>;` and `settle`
    /// (statements that read `<out>` and either `break` with a value or let the loop go on). The body borrows what it uses instead of moving it, so each round
    /// can run it again. `#[retry]`.
    Repeat {
        setup: TokenStream,
        each: TokenStream,
        settle: TokenStream,
    },
}

/// An async body run inside its call: `enter` starts a call whose body is not running yet, and
/// the body's future runs as `<call>.body(future)`, which marks each poll as inside the body, so
/// that a panic inside a poll is told from a drop outside one.
pub(crate) struct InCall {
    pub enter: TokenStream,
    pub call: syn::Ident,
}

/// A returned future wrapped in `errmon_runtime::__private::Returned`: `site` starts the call
/// at its first poll, and `outcome` (reading the output through the reference
/// [`returned_value_ident`]) classifies its value.
pub(crate) struct WrapReturned {
    pub site: TokenStream,
    pub outcome: TokenStream,
}

/// The parameter of the closure that classifies a returned future's output.
pub(crate) fn returned_value_ident() -> syn::Ident {
    syn::Ident::new("errmon_value", Span::mixed_site())
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
        match async_trait::output(&self.sig, &self.block) {
            Some(async_trait::Output(output)) => output,
            None => match &self.sig.output {
                ReturnType::Default => None,
                _ if self.sig.asyncness.is_none() && future_type(&self.sig.output).is_some() => {
                    future_type(&self.sig.output).and_then(|f| f.output)
                }
                ReturnType::Type(_, ty) => Some((**ty).clone()),
            },
        }
    }

    pub(crate) fn returns_never(&self) -> bool {
        matches!(&self.sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)))
    }

    pub(crate) fn is_track_caller(&self) -> bool {
        self.attrs.iter().any(|a| a.path().is_ident("track_caller"))
    }

    /// The function as written, for an attribute to expand next (see `item::lower_stacked`).
    pub(crate) fn into_tokens(self) -> TokenStream {
        let FnParts {
            attrs,
            prefix,
            sig,
            block,
        } = self;
        let braces = block.brace_token.span.join();
        let stmts = block.stmts;
        emit(attrs, prefix, &sig, braces, quote!(#(#stmts)*))
    }
}

/// How a wrapped body runs so that its `return` and `?` end up in the wrapper's `let`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    /// `call_once(move || body)`: a sync function. Without `move` for a body that runs again.
    Closure { by_move: bool },
    /// `async move { body }.await`: an `async fn`, or the future of an `#[async_trait]` method.
    Async { by_move: bool },
    /// `'body: { body }` with `return` and `?` rewritten to break out of it: a sync
    /// `#[track_caller]` function, whose body must not move into a closure.
    Inline,
}

/// Rewrites a function with the given instrumentation; `mac` names the attribute in errors.
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
///     let out: R = call_once(move || { let x = x; <fake return edge: R>; { body } });
///     finish
///     out
/// }
/// ```
/// and async: the same with `async move { .. }.await` as the value, or for a body run inside
/// its call (`#[monitored]`), `enter_async` and `call.body(async move { .. }).await`. The first statement fixes
/// the order in which arguments are dropped ([`drop_order`]). For `Repeat { setup, each,
/// settle }`: `setup loop { each let out: R = call_once(|| { .. }); settle }`, the body
/// borrowing instead of moving. For a sync `#[track_caller]` function, see [`Run::Inline`] and
/// [`exits`].
///
/// A function that `#[async_trait]` expanded first is instrumented inside its future:
/// ```text
/// fn f<'life0, 'async_trait>(&'life0 self) -> Pin<Box<dyn Future<Output = R> + Send + 'async_trait>> {
///     Box::pin(async move { <instrumented as an async fn returning R> })
/// }
/// ```
/// so that, as for a plain `async fn`, the call is counted and timed when the future is polled
/// and its outcome is that of the awaited value, not of the construction of the box. Any other
/// sync function whose body ends in `async { .. }` or `Box::pin(async { .. })` is instrumented
/// inside that block the same way, and one that returns a future of another form under a
/// future return type is wrapped in `Returned` (see [`returned`]).
pub(crate) fn rewrite(mac: Macro, parts: FnParts, inst: Instrumentation) -> TokenStream {
    let track_caller = parts.is_track_caller();
    let FnParts {
        attrs,
        prefix,
        mut sig,
        mut block,
    } = parts;
    let mut braces = block.brace_token.span.join();
    let by_move = !matches!(inst, Instrumentation::Repeat { .. });
    let prologue = matches!(inst, Instrumentation::Prologue(_));
    let body = if let Some(async_trait::Output(output)) = async_trait::output(&sig, &block) {
        let future = async_trait::future(&mut block).expect("checked by `async_trait::output`");
        // `#[async_trait]` already moved every argument into its block, as locals.
        let run = Run::Async { by_move };
        let body = future.block.clone();
        let inner_body = instrument(mac, inst, run, output, body, TokenStream::new());
        future.block.stmts = vec![Stmt::Expr(Expr::Verbatim(inner_body), None)];
        let stmts = &block.stmts;
        quote!(#(#stmts)*)
    } else if let Some(future) = returned_tail(&sig, &inst, &mut block) {
        // Instrumented inside, so the call is the future's: `sig`'s arguments are the
        // function's, and only the block decides what the future captures.
        let output = future_type(&sig.output).and_then(|f| f.output);
        let run = Run::Async {
            by_move: future.capture.is_some(),
        };
        let body = future.block.clone();
        let inner_body = instrument(mac, inst, run, output, body, TokenStream::new());
        future.block.stmts = vec![Stmt::Expr(Expr::Verbatim(inner_body), None)];
        let stmts = &block.stmts;
        quote!(#(#stmts)*)
    } else {
        let run = if sig.asyncness.is_some() {
            Run::Async { by_move }
        } else if track_caller {
            Run::Inline
        } else {
            Run::Closure { by_move }
        };
        let captures = if by_move && run != Run::Inline {
            drop_order::rebind_in_drop_order(&mut sig, &block, instrument_below(&attrs))
        } else {
            TokenStream::new()
        };
        if body::braces_are_generated(&sig, &block, prologue) {
            braces = Span::mixed_site().located_at(braces);
        }
        let output = pinned_return_type(&sig.output);
        match (&inst, future_type(&sig.output)) {
            (
                Instrumentation::Wrap {
                    returned: Some(r), ..
                },
                Some(future),
            ) if sig.asyncness.is_none() => {
                let value = body_value(mac, run, output.as_ref(), block, &captures, None);
                wrap_returned(r, &future, &value)
            }
            _ => instrument(mac, inst, run, output, block, captures),
        }
    };
    emit(attrs, prefix, &sig, braces, body)
}

/// The tail `async` block of a sync function that returns it (see [`returned`]), unless the
/// body runs again for each attempt (`#[retry]`, which needs a `Result`).
fn returned_tail<'b>(
    sig: &Signature,
    inst: &Instrumentation,
    block: &'b mut Block,
) -> Option<&'b mut syn::ExprAsync> {
    if sig.asyncness.is_some() || matches!(inst, Instrumentation::Repeat { .. }) {
        return None;
    }
    returned::tail_future(block)
}

/// `returned(site, value, |v: &Output| outcome)`, boxed again when the function returns a box.
fn wrap_returned(
    r: &WrapReturned,
    future: &returned::FutureType,
    value: &TokenStream,
) -> TokenStream {
    let mixed = Span::mixed_site();
    let WrapReturned { site, outcome } = r;
    let v = returned_value_ident();
    let param = future.output.as_ref().map(|t| quote!(: &#t));
    let wrapped = quote_spanned! {mixed=>
        ::errmon_runtime::__private::returned(#site, #value, move |#v #param| #outcome)
    };
    if future.boxed {
        quote_spanned!(mixed=> ::std::boxed::Box::pin(#wrapped))
    } else {
        wrapped
    }
}

/// Whether tracing's `#[instrument]` is written below and expands after this attribute.
fn instrument_below(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "instrument")
    })
}

/// `#[outer] prefix sig { #![inner] body }`, the braces where the user's were.
fn emit(
    attrs: Vec<Attribute>,
    prefix: TokenStream,
    sig: &Signature,
    braces: Span,
    body: TokenStream,
) -> TokenStream {
    let (outer, inner): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, syn::AttrStyle::Outer));
    let mut out = TokenStream::new();
    for a in &outer {
        a.to_tokens(&mut out);
    }
    out.extend(prefix);
    sig.to_tokens(&mut out);
    let mut group =
        proc_macro2::Group::new(proc_macro2::Delimiter::Brace, quote!(#(#inner)* #body));
    group.set_span(braces);
    out.extend([TokenTree::Group(group)]);
    out
}

/// The statements of an instrumented body.
fn instrument(
    mac: Macro,
    inst: Instrumentation,
    run: Run,
    output: Option<Type>,
    block: Block,
    captures: TokenStream,
) -> TokenStream {
    let mixed = Span::mixed_site();
    let out = out_ident();
    match inst {
        Instrumentation::Prologue(prologue) => {
            let (items, rest) = body::split_leading_items(&block.stmts);
            quote!(#(#items)* #prologue #(#rest)*)
        }
        Instrumentation::Wrap {
            enter,
            finish,
            in_call,
            returned: _,
        } => {
            let annotation = output.as_ref().map(|ty| quote!(: #ty));
            let (enter, call) = match in_call {
                Some(InCall { enter, call }) if matches!(run, Run::Async { .. }) => {
                    (enter, Some(call))
                }
                _ => (enter, None),
            };
            let value = body_value(mac, run, output.as_ref(), block, &captures, call.as_ref());
            quote_spanned! {mixed=>
                #enter
                let #out #annotation = #value;
                #finish
                #out
            }
        }
        Instrumentation::Repeat {
            setup,
            each,
            settle,
        } => {
            let annotation = output.as_ref().map(|ty| quote!(: #ty));
            let value = body_value(mac, run, output.as_ref(), block, &captures, None);
            quote_spanned! {mixed=>
                #setup
                loop {
                    #each
                    let #out #annotation = #value;
                    #settle
                }
            }
        }
    }
}

/// The body as an expression of the function's value, run as `run` says; an async body inside
/// `call` when given (see [`InCall`]).
fn body_value(
    mac: Macro,
    run: Run,
    output: Option<&Type>,
    block: Block,
    captures: &TokenStream,
    call: Option<&syn::Ident>,
) -> TokenStream {
    let mixed = Span::mixed_site();
    let fake_return = output.map(body::fake_return_edge);
    let stmts = &block.stmts;
    let body = body::body_braces(&block, quote!(#(#stmts)*));
    match run {
        Run::Closure { by_move: true } => quote_spanned!(mixed=>
            ::errmon_runtime::__private::call_once(move || { #captures #fake_return #body })),
        Run::Closure { by_move: false } => quote_spanned!(mixed=>
            ::errmon_runtime::__private::call_once(|| { #captures #fake_return #body })),
        Run::Async { by_move: true } => match call {
            Some(call) => quote_spanned!(mixed=>
                #call.body(async move { #captures #fake_return #body }).await),
            None => quote_spanned!(mixed=> async move { #captures #fake_return #body }.await),
        },
        Run::Async { by_move: false } => {
            quote_spanned!(mixed=> async { #captures #fake_return #body }.await)
        }
        Run::Inline => exits::inline_value(mac, output, block),
    }
}
