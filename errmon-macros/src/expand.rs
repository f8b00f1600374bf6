//! The one function rewriter every instrumenting macro shares.
//!
//! A macro decides *what* to record ([`Instrumentation`]); this module decides *how* a function
//! keeps its signature, attributes, spans and behaviour while being recorded: sync or async,
//! free function or method, generic or not.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::visit_mut::VisitMut;
use syn::{Attribute, Block, ReturnType, Signature, Type};

use crate::args::{Args, Macro};

/// What a macro adds to a function.
pub(crate) enum Instrumentation {
    /// Statements run before the body, which stays as it is. Enough for what does not need the
    /// returned value: `#[count_calls]`, and `#[timed]`, whose guard records when it drops.
    Prologue(TokenStream),
    /// The body runs in its own scope so its value (including early `return` and `?`) is seen:
    /// `enter` runs first, then `let <out> = <body>;`, then `finish`, which may read `<out>`
    /// (see [`out_ident`]); the value is then returned.
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
    let keys = args.labels.iter().map(|l| {
        let k = l.key.to_string();
        k.strip_prefix("r#").map_or(k.clone(), str::to_owned)
    });
    let values = args.labels.iter().map(|l| &l.value);
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

/// Rewrites a function with the given instrumentation.
///
/// Input:  `#[attrs] pub fn f(x: T) -> R { #![inner] body }`
/// Output, for `Prologue(p)`: `#[attrs] pub fn f(x: T) -> R { #![inner] p body-statements }`
/// Output, for `Wrap { enter, finish }`, sync:
/// ```text
/// #[attrs] pub fn f(x: T) -> R {
///     #![inner]
///     enter
///     let out: R = call_once(move || { <fake return edge: R>; body });
///     finish
///     out
/// }
/// ```
/// and async: the same with `async move { <fake return edge: R>; body }.await` as the body.
pub(crate) fn rewrite(parts: FnParts, inst: Instrumentation) -> TokenStream {
    let FnParts {
        attrs,
        prefix,
        sig,
        block,
    } = parts;
    let (outer, inner): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, syn::AttrStyle::Outer));
    let body = match inst {
        Instrumentation::Prologue(prologue) => {
            let stmts = &block.stmts;
            quote!(#prologue #(#stmts)*)
        }
        Instrumentation::Wrap { enter, finish } => wrap(&sig, &block, enter, finish),
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
    group.set_span(block.brace_token.span.join());
    out.extend([TokenTree::Group(group)]);
    out
}

fn wrap(sig: &Signature, block: &Block, enter: TokenStream, finish: TokenStream) -> TokenStream {
    let out = out_ident();
    let pinned = pinned_return_type(&sig.output);
    let fake_return = pinned.as_ref().map(fake_return_edge);
    let annotation = pinned.as_ref().map(|ty| quote!(: #ty));
    let mixed = Span::mixed_site();
    let run = if sig.asyncness.is_some() {
        quote_spanned!(mixed=> async move { #fake_return #block }.await)
    } else {
        quote_spanned!(mixed=> ::errmon_runtime::__private::call_once(move || { #fake_return #block }))
    };
    quote_spanned! {mixed=>
        #enter
        #[allow(clippy::let_unit_value, clippy::let_with_type_underscore)]
        let #out #annotation = #run;
        #finish
        #out
    }
}

/// Gives the wrapped body a return edge of the function's return type, so `?` conversions and
/// `.collect()` in the body infer as they did before, also in `async` blocks, whose output type
/// is otherwise inferred from the body alone.
fn fake_return_edge(ty: &Type) -> TokenStream {
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
            return #ret;
        }
    }
}

/// The return type as it can be written in a `let`: `()` for none, with every `impl Trait`
/// replaced by `_` (`Result<impl Iterator, E>` pins `Result<_, E>`).
fn pinned_return_type(output: &ReturnType) -> Option<Type> {
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
