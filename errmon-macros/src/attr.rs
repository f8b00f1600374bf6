//! From an attribute and its item to the expanded tokens: dispatch on the item (a function or
//! an `impl` block), the checks that need the item, and the errors.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{ImplItem, Item, Type};

use crate::args::{Args, Errors, Macro};
use crate::expand::{self, FnParts, Instrumentation};
use crate::{count_calls, monitored, timed};

/// Expands `#[mac(args)] item`. On any error, the errors are emitted next to the item,
/// unchanged, so one mistake does not turn into a cascade of unrelated ones.
pub(crate) fn expand(mac: Macro, args: TokenStream, item: TokenStream) -> TokenStream {
    if already_expanded(&args) {
        return item;
    }
    let mut errors = Errors::default();
    let args = Args::parse(mac, args, &mut errors);
    let parsed = match syn::parse2::<Item>(item.clone()) {
        Ok(parsed) => parsed,
        Err(e) => {
            errors.push(e);
            return emit_errors(errors, item);
        }
    };
    // What to emit next to errors: the item as written, except that on an `impl` block the
    // method attributes this expansion consumed are removed, since rustc would otherwise
    // expand them again on their own and report their arguments twice, or `skip` as misplaced.
    let fallback = match &parsed {
        Item::Impl(imp) => without_method_attrs(mac, imp.clone()),
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
                .map_or_else(|| parts.ident_name(), syn::LitStr::value);
            instrument_fn(mac, &args, parts, &label, &mut errors)
        }
        Item::Impl(imp) => instrument_impl(mac, &args, imp, &mut errors),
        other => {
            let (span, what) = keyword(&other);
            let hint = if matches!(other, Item::Trait(_)) {
                "; a trait's methods have no single body to record: annotate its `impl` blocks, or the methods in them"
                    .to_owned()
            } else {
                String::new()
            };
            errors.add(
                span,
                format!(
                    "#[{}] instruments functions and `impl` blocks, not {what}{hint}",
                    mac.name()
                ),
            );
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

fn without_method_attrs(mac: Macro, mut imp: syn::ItemImpl) -> TokenStream {
    for item in &mut imp.items {
        if let ImplItem::Fn(f) = item {
            f.attrs.retain(|a| !is_attr(a, mac));
        }
    }
    imp.into_token_stream()
}

/// The errors, then the item as written.
pub(crate) fn emit_errors(errors: Errors, item: TokenStream) -> TokenStream {
    let mut out = errors
        .finish()
        .err()
        .map(|e| e.to_compile_error())
        .unwrap_or_default();
    out.extend(item);
    out
}

fn instrument_fn(
    mac: Macro,
    args: &Args,
    parts: FnParts,
    label: &str,
    errors: &mut Errors,
) -> Option<TokenStream> {
    let before = errors.len();
    if let Some(c) = &parts.sig.constness {
        errors.add(
            c,
            format!(
                "#[{}] cannot instrument a `const fn`: it records at run time; remove `const`, or the attribute",
                mac.name()
            ),
        );
    }
    check_stacking(mac, &parts, errors);
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
    if errors.len() != before {
        return None;
    }
    let parts = match lower_stacked(parts) {
        Ok(parts) => parts,
        Err(expanded_with_errors) => return Some(expanded_with_errors),
    };
    let site = expand::site(mac, label, args, &parts.sig);
    let inst: Instrumentation = match mac {
        Macro::CountCalls => count_calls::instrumentation(site),
        Macro::Timed => timed::instrumentation(site),
        Macro::Monitored => {
            monitored::instrumentation(site, args.predicate.as_ref(), parts.returns_never())
        }
    };
    Some(expand::rewrite(parts, inst))
}

/// Instruments every method of an `impl` block, labelled `Type::method`. A method may carry
/// the same attribute to adjust its arguments, or `skip` to be left alone.
fn instrument_impl(
    mac: Macro,
    args: &Args,
    mut imp: syn::ItemImpl,
    errors: &mut Errors,
) -> Option<TokenStream> {
    if let Some(p) = &args.predicate {
        errors.add(
            &p.key,
            format!(
                "`{}` depends on a method's return type; put it on the methods: #[{}({} = ...)]",
                p.key,
                mac.name(),
                p.key
            ),
        );
    }
    if let Some(skip) = &args.skip {
        errors.add(
            skip,
            format!(
                "`skip` goes on a method inside the `impl` block: #[{}(skip)]",
                mac.name()
            ),
        );
    }
    let prefix = args
        .name
        .as_ref()
        .map_or_else(|| expand::compact_type(&imp.self_ty), syn::LitStr::value);
    let before = errors.len();
    let mut items = Vec::with_capacity(imp.items.len());
    for item in std::mem::take(&mut imp.items) {
        let ImplItem::Fn(mut f) = item else {
            items.push(item);
            continue;
        };
        let own = f.attrs.iter().position(|a| is_attr(a, mac));
        let method_args = match own.map(|i| f.attrs.remove(i)) {
            Some(attr) => {
                let tokens = match &attr.meta {
                    syn::Meta::Path(_) => TokenStream::new(),
                    syn::Meta::List(l) => l.tokens.clone(),
                    syn::Meta::NameValue(nv) => {
                        errors.add(nv, format!("expected #[{}(...)]", mac.name()));
                        continue;
                    }
                };
                Args::parse(mac, tokens, errors)
            }
            None => Args::default(),
        };
        if method_args.skip.is_some() {
            items.push(ImplItem::Fn(f));
            continue;
        }
        if let Some(c) = &f.sig.constness {
            errors.add(
                c,
                format!(
                    "#[{0}] on this `impl` cannot instrument a `const fn`; add #[{0}(skip)] to this method",
                    mac.name()
                ),
            );
            continue;
        }
        let label = match &method_args.name {
            Some(name) => name.value(),
            None => {
                let ident = f.sig.ident.to_string();
                format!("{prefix}::{}", ident.strip_prefix("r#").unwrap_or(&ident))
            }
        };
        let merged = args.merge_method(method_args);
        if let Some(tokens) = instrument_fn(mac, &merged, FnParts::from_impl(f), &label, errors) {
            items.push(ImplItem::Verbatim(tokens));
        }
    }
    if errors.len() != before {
        return None;
    }
    imp.items = items;
    Some(imp.into_token_stream())
}

/// The names of errmon's attributes that rewrite a function body.
const STACKABLE: [&str; 4] = ["count_calls", "timed", "monitored", "retry"];

fn stacked_name(attr: &syn::Attribute) -> Option<&'static str> {
    STACKABLE.into_iter().find(|name| is_named(attr, name))
}

/// Expands the first errmon attribute written below the one being expanded, so stacked
/// attributes nest as written: the attribute written first is the outermost at run time.
///
/// Input:  `#[monitored] #[retry] fn f()`, while expanding `#[monitored]`.
/// Output: `f` as `#[retry]` makes it, which `#[monitored]` then wraps, so it sees the final
///         result and the total time, while a `#[monitored]` written below `#[retry]` sees each
///         attempt. Left to rustc, the attribute written last would end up outermost.
pub(crate) fn lower_stacked(mut parts: FnParts) -> Result<FnParts, TokenStream> {
    let Some(i) = parts.attrs.iter().position(|a| stacked_name(a).is_some()) else {
        return Ok(parts);
    };
    let attr = parts.attrs.remove(i);
    let name = stacked_name(&attr).unwrap_or_default();
    let args = match &attr.meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(l) => l.tokens.clone(),
        syn::Meta::NameValue(nv) => {
            let mut out =
                syn::Error::new_spanned(nv, format!("expected #[{name}(...)]")).to_compile_error();
            out.extend(expand::rewrite(
                parts,
                Instrumentation::Prologue(TokenStream::new()),
            ));
            return Err(out);
        }
    };
    let item = expand::rewrite(parts, Instrumentation::Prologue(TokenStream::new()));
    let expanded = match name {
        "count_calls" => expand(Macro::CountCalls, args, item),
        "timed" => expand(Macro::Timed, args, item),
        "monitored" => expand(Macro::Monitored, args, item),
        _ => crate::retry::expand(args, item),
    };
    let mut f = syn::parse2::<syn::ItemFn>(expanded.clone()).map_err(|_| expanded)?;
    // Put the attribute back, as a no-op, so rustc still resolves its path: otherwise the
    // user's `use errmon_runtime::retry;` would be reported as unused.
    let path = attr.path();
    let marker = syn::Ident::new(ALREADY_EXPANDED, Span::call_site());
    f.attrs.push(syn::parse_quote!(#[#path(#marker)]));
    Ok(FnParts::from_item(f))
}

/// The argument of an attribute that another errmon attribute already expanded (see
/// [`lower_stacked`]): the attribute then leaves its item unchanged.
const ALREADY_EXPANDED: &str = "__errmon_already_expanded";

/// Whether the arguments are the marker [`lower_stacked`] leaves behind.
pub(crate) fn already_expanded(args: &TokenStream) -> bool {
    let mut it = args.clone().into_iter();
    matches!((it.next(), it.next()), (Some(proc_macro2::TokenTree::Ident(i)), None) if i == ALREADY_EXPANDED)
}

/// `#[monitored]` already counts and times calls, so stacking it with `#[count_calls]` or
/// `#[timed]` (or itself) would count them twice.
fn check_stacking(mac: Macro, parts: &FnParts, errors: &mut Errors) {
    for attr in &parts.attrs {
        for other in [Macro::CountCalls, Macro::Timed, Macro::Monitored] {
            if !is_attr(attr, other) {
                continue;
            }
            if other == mac {
                errors.add(attr, format!("#[{}] is given twice; keep one", mac.name()));
            } else if mac == Macro::Monitored {
                errors.add(attr, redundant_with_monitored(other));
            } else if other == Macro::Monitored {
                // The attribute to remove is the one being expanded, above #[monitored]; rustc
                // gives an attribute macro's call site the span of the whole attribute.
                errors.add(Span::call_site(), redundant_with_monitored(mac));
            }
        }
    }
}

fn redundant_with_monitored(other: Macro) -> String {
    let what = match other {
        Macro::CountCalls => "counts calls",
        _ => "records durations",
    };
    format!("#[monitored] already {what}: remove #[{}]", other.name())
}

fn is_attr(attr: &syn::Attribute, mac: Macro) -> bool {
    is_named(attr, mac.name())
}

/// `#[name]`, `#[errmon_runtime::name]` or `#[errmon_macros::name]`.
pub(crate) fn is_named(attr: &syn::Attribute, name: &str) -> bool {
    let path = attr.path();
    let Some(last) = path.segments.last() else {
        return false;
    };
    last.ident == name
        && (path.segments.len() == 1
            || path
                .segments
                .first()
                .is_some_and(|s| s.ident == "errmon_runtime" || s.ident == "errmon_macros"))
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
