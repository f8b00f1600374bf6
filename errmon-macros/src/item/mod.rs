//! From an attribute and its item to the expanded tokens: dispatch on the item (a function or
//! an `impl` block), the checks that need the item, and errors next to the item as written.

mod impl_block;
mod lenient;
mod stacking;

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Item, ReturnType, Type};

use crate::args::{Args, Macro};
use crate::diag::Errors;
use crate::expand::{self, FnParts, Instrumentation};
use crate::{count_calls, monitored, retry, timed};

/// Expands `#[mac(args)] item`. On any error, the errors are emitted next to the item,
/// unchanged, so one mistake does not turn into a cascade of unrelated ones.
pub(crate) fn expand(mac: Macro, args: TokenStream, item: TokenStream) -> TokenStream {
    expand_labelled(mac, args, item, None, &[])
}

/// [`expand`], where `default_label` replaces the function's own name as its label unless
/// `name = "..."` is given: `Type::method` for an attribute below another on a method of an
/// annotated `impl` block, so that every errmon attribute on the method agrees on its label.
/// The attributes of `impl_macros`, which the `impl` block carries too, are left to it.
fn expand_labelled(
    mac: Macro,
    args: TokenStream,
    item: TokenStream,
    default_label: Option<&str>,
    impl_macros: &[Macro],
) -> TokenStream {
    if stacking::already_expanded(&args) {
        return item;
    }
    let mut errors = Errors::default();
    let args = Args::parse(mac, args, &mut errors);
    let parsed = match lenient::parse(item.clone()) {
        Ok(Some(parsed)) => parsed,
        // rustc reports the body's mistake; the attribute's own are still worth reporting.
        Ok(None) => return errors.emit_with(item),
        Err(e) => {
            errors.push(e);
            return errors.emit_with(item);
        }
    };
    // What to emit next to errors: the item as written, except that on an `impl` block the
    // method attributes this expansion consumed are removed, since rustc would otherwise
    // expand them again on their own and report their arguments twice, or `skip` as misplaced.
    let fallback = match &parsed {
        Item::Impl(imp) => impl_block::without_method_attrs(mac, imp.clone()),
        _ => item,
    };
    let expanded = match parsed {
        Item::Fn(f) => {
            if let Some(skip) = &args.skip {
                errors.add(
                    skip,
                    format!(
                        "`skip` excludes a method from an `impl` block annotated with #[{0}]; on a function, remove #[{0}] instead",
                        mac.name()
                    ),
                );
            }
            let parts = FnParts::from_item(f);
            let label = args
                .name
                .as_ref()
                .map(syn::LitStr::value)
                .or_else(|| default_label.map(str::to_owned))
                .unwrap_or_else(|| parts.ident_name());
            let target = Target {
                label,
                stacked_label: default_label,
                in_impl: false,
                impl_macros,
            };
            instrument_fn(mac, &args, parts, &target, &mut errors)
        }
        Item::Impl(imp) => impl_block::instrument(mac, &args, imp, &mut errors),
        other => {
            let (span, what) = keyword(&other);
            let hint = if matches!(other, Item::Trait(_)) {
                "; a trait's methods have no single body to record: annotate its `impl` blocks, or the methods in them"
            } else {
                ""
            };
            let does = match mac {
                Macro::Retry => "applies to functions returning `Result` and `impl` blocks",
                _ => "instruments functions and `impl` blocks",
            };
            errors.add(span, format!("#[{}] {does}, not {what}{hint}", mac.name()));
            None
        }
    };
    match (errors.finish(), expanded) {
        (Ok(()), Some(tokens)) => tokens,
        (Err(e), _) => {
            let mut out = e.to_compile_error();
            out.extend(fallback);
            out
        }
        (Ok(()), None) => fallback,
    }
}

/// What a function is instrumented as.
struct Target<'a> {
    /// Its `function` label.
    label: String,
    /// The label of attributes stacked below this one that do not name the function.
    stacked_label: Option<&'a str>,
    /// A method of an annotated `impl` block, rather than an annotated function.
    in_impl: bool,
    /// The errmon attributes the `impl` block still carries (see [`stacking::lower`]).
    impl_macros: &'a [Macro],
}

fn instrument_fn(
    mac: Macro,
    args: &Args,
    parts: FnParts,
    target: &Target<'_>,
    errors: &mut Errors,
) -> Option<TokenStream> {
    let before = errors.len();
    if let Some(c) = &parts.sig.constness {
        let msg = match (mac, target.in_impl) {
            (_, true) => format!(
                "#[{0}] on this `impl` cannot instrument a `const fn`; add #[{0}(skip)] to this method",
                mac.name()
            ),
            (Macro::Retry, false) => "#[retry] cannot apply to a `const fn`: it sleeps and retries at run time; remove `const`".to_owned(),
            (_, false) => format!(
                "#[{}] cannot instrument a `const fn`: it records at run time; remove `const`, or the attribute",
                mac.name()
            ),
        };
        errors.add(c, msg);
        if target.in_impl {
            return None;
        }
    }
    stacking::check(mac, &parts, errors);
    if let Some(p) = &args.predicate {
        if parts.value_type().as_ref().is_some_and(is_result) {
            errors.add(
                &p.key,
                format!(
                    "`{}` classifies values that are not a `Result`; a `Result` is already an error on `Err`: remove `{}`",
                    p.key, p.key
                ),
            );
        }
    }
    if mac == Macro::Retry {
        check_returns_result(&parts, target.in_impl, errors);
    }
    if errors.len() != before {
        return None;
    }
    let mut parts =
        match stacking::lower(Some(mac), parts, target.stacked_label, target.impl_macros) {
            Ok(parts) => parts,
            Err(expanded_with_errors) => return Some(expanded_with_errors),
        };
    let site = expand::site(mac, &target.label, args, parts.sig.ident.span());
    let inst: Instrumentation = match mac {
        Macro::CountCalls => count_calls::instrumentation(site),
        Macro::Timed => timed::instrumentation(site),
        Macro::Monitored => monitored::instrumentation(site, args, parts.returns_never()),
        Macro::Retry => retry::instrumentation(&args.retry, site, &mut parts),
    };
    Some(expand::rewrite(mac, parts, inst))
}

/// `#[retry]` retries on `Err`: a function that cannot return one is a mistake, reported on
/// its return type.
fn check_returns_result(parts: &FnParts, in_impl: bool, errors: &mut Errors) {
    let ty = match &parts.sig.output {
        ReturnType::Type(_, ty) if is_result(ty) => return,
        ReturnType::Type(_, ty) => Some(&**ty),
        ReturnType::Default => None,
    };
    let msg = if in_impl {
        format!(
            "#[retry] on this `impl` retries its methods on `Err`, but `{}` does not return a `Result` \
             (or an alias named `Result`); add #[retry(skip)] to this method",
            parts.ident_name()
        )
    } else {
        "#[retry] retries on `Err`, so the function must return a `Result` \
         (or an alias named `Result`, such as `io::Result<T>`)"
            .to_owned()
    };
    match ty {
        Some(ty) => errors.add(ty, msg),
        None => errors.add(&parts.sig.ident, msg),
    }
}

/// `Result<T, E>`, or an alias named `Result` (`io::Result<T>`), as far as the tokens tell.
pub(crate) fn is_result(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    p.path.segments.last().is_some_and(|s| s.ident == "Result")
}

/// The keyword that names what an item is, to point errors at.
fn keyword(item: &Item) -> (Span, &'static str) {
    match item {
        Item::Struct(i) => (i.struct_token.span, "a struct"),
        Item::Enum(i) => (i.enum_token.span, "an enum"),
        Item::Union(i) => (i.union_token.span, "a union"),
        Item::Trait(i) => (i.trait_token.span, "a trait"),
        Item::TraitAlias(i) => (i.trait_token.span, "a trait alias"),
        Item::Const(i) => (i.const_token.span, "a constant"),
        Item::Static(i) => (i.static_token.span, "a static"),
        Item::Type(i) => (i.type_token.span, "a type alias"),
        Item::Mod(i) => (i.mod_token.span, "a module"),
        Item::Use(i) => (i.use_token.span, "a `use` declaration"),
        Item::ExternCrate(i) => (i.extern_token.span, "an `extern crate`"),
        Item::ForeignMod(i) => (i.abi.extern_token.span, "an `extern` block"),
        Item::Macro(i) => (i.mac.path.span(), "a macro invocation"),
        _ => (item.span(), "this item"),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

    use crate::args::Macro;

    /// The labels of labeled blocks and loops (`'name:`) declared in `tokens`.
    fn declared_labels(tokens: TokenStream, out: &mut Vec<String>) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, tt) in trees.iter().enumerate() {
            match tt {
                TokenTree::Group(g) => declared_labels(g.stream(), out),
                TokenTree::Punct(p) if p.as_char() == '\'' => {
                    if let (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(colon))) =
                        (trees.get(i + 1), trees.get(i + 2))
                    {
                        if colon.as_char() == ':' {
                            out.push(name.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// rustc warns (outside any lint, so `deny(warnings)` does not catch it) when a label
    /// shadows another: stacked attributes that both run a `#[track_caller]` body inline must
    /// not declare the same one.
    #[test]
    fn stacked_inline_bodies_declare_distinct_labels() {
        let out = super::expand(
            Macro::Monitored,
            TokenStream::new(),
            quote! {
                #[retry]
                #[track_caller]
                fn f(s: &str) -> Result<u32, std::num::ParseIntError> { Ok(s.parse()?) }
            },
        );
        let mut labels = Vec::new();
        declared_labels(out, &mut labels);
        assert_eq!(labels.len(), 2, "{labels:?}");
        labels.dedup();
        assert_eq!(labels.len(), 2, "{labels:?}");
    }

    /// A `return` whose value starts with `::` reads to syn as a labeled loop once rewritten to
    /// `break 'label ::path`: the attribute above must still parse the one below's output and
    /// wrap it.
    #[test]
    fn stacked_inline_bodies_with_a_qualified_return_are_wrapped_twice() {
        let out = super::expand(
            Macro::Monitored,
            TokenStream::new(),
            quote! {
                #[retry]
                #[track_caller]
                fn f(s: &str) -> Result<u32, std::num::ParseIntError> {
                    if s.is_empty() {
                        return ::core::result::Result::Ok(0);
                    }
                    Ok(s.parse()?)
                }
            },
        );
        let mut labels = Vec::new();
        declared_labels(out, &mut labels);
        assert_eq!(labels.len(), 2, "{labels:?}");
    }

    /// An expansion of the lower attribute that the upper one cannot parse back is an error
    /// naming both; a lower attribute's own errors are reported alone.
    #[test]
    fn an_unreadable_stacked_expansion_names_both_attributes() {
        use proc_macro2::{Delimiter, Group, TokenTree};
        // A `macro_rules!` expression fragment arrives in an invisible group.
        let fragment = TokenTree::Group(Group::new(
            Delimiter::None,
            quote!(::core::result::Result::Ok(0)),
        ));
        let out = super::expand(
            Macro::Monitored,
            TokenStream::new(),
            quote! {
                #[retry]
                #[track_caller]
                fn f(s: &str) -> Result<u32, E> {
                    if s.is_empty() {
                        return #fragment;
                    }
                    Ok(1)
                }
            },
        )
        .to_string();
        assert!(
            out.contains("#[monitored] cannot read this function as #[retry] expanded it"),
            "{out}"
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");

        let out = super::expand(
            Macro::Monitored,
            TokenStream::new(),
            quote! {
                #[retry(attempts = 0)]
                fn f() -> Result<u32, E> { Ok(1) }
            },
        )
        .to_string();
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(!out.contains("cannot read"), "{out}");
    }

    /// A future dropped while an unrelated panic unwinds is `cancelled`: the async body runs
    /// inside `Call::body`, which tells the guard whether a poll of this call was running.
    #[test]
    fn async_monitored_bodies_run_inside_their_call() {
        for item in [
            quote!(
                async fn f() -> Result<u8, E> {
                    Ok(1)
                }
            ),
            quote! {
                fn f<'async_trait>(&self) -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = Result<u8, E>> + Send + 'async_trait>> {
                    Box::pin(async move { let __ret: Result<u8, E> = { Ok(1) }; __ret })
                }
            },
        ] {
            let out = super::expand(Macro::Monitored, TokenStream::new(), item).to_string();
            assert!(out.contains(". enter_async ()"), "{out}");
            assert!(out.contains("errmon_call . body (async move"), "{out}");
            assert!(!out.contains(". enter ()"), "{out}");
        }
        let sync = super::expand(
            Macro::Monitored,
            TokenStream::new(),
            quote!(
                fn f() -> Result<u8, E> {
                    Ok(1)
                }
            ),
        )
        .to_string();
        assert!(
            sync.contains(". enter ()") && !sync.contains("enter_async"),
            "{sync}"
        );
    }
}
