//! Several errmon attributes on one function: they nest as written, and the redundant pairs are
//! refused.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ItemFn;

use crate::args::Macro;
use crate::diag::Errors;
use crate::expand::FnParts;

/// Expands the first errmon attribute written below the one being expanded, so stacked
/// attributes nest as written: the attribute written first is the outermost at run time.
/// `label` is the label it gets unless it names the function (see `expand_labelled`). The
/// attributes of `exclude` are left for rustc to expand: on a method, those the `impl` block
/// carries too, which handle their own method attributes.
///
/// Input:  `#[monitored] #[retry] fn f()`, while expanding `#[monitored]`.
/// Output: `f` as `#[retry]` makes it, which `#[monitored]` then wraps, so it sees the final
///         result and the total time, while a `#[monitored]` written below `#[retry]` sees each
///         attempt. Left to rustc, the attribute written last would end up outermost.
///
/// `outer` is the attribute that wraps the result, `None` when none does (a method its
/// `impl` block's attribute skips). `Err` holds the tokens to emit instead of wrapping: the
/// lower attribute's errors next to the item, or an expansion `outer` cannot read, which is
/// an error naming both attributes rather than a function silently left without `outer`.
pub(super) fn lower(
    outer: Option<Macro>,
    mut parts: FnParts,
    label: Option<&str>,
    exclude: &[Macro],
) -> Result<FnParts, TokenStream> {
    let Some((i, mac)) = parts
        .attrs
        .iter()
        .enumerate()
        .find_map(|(i, a)| stacked(a).filter(|m| !exclude.contains(m)).map(|m| (i, m)))
    else {
        return Ok(parts);
    };
    let attr = parts.attrs.remove(i);
    let args = match &attr.meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(l) => l.tokens.clone(),
        syn::Meta::NameValue(nv) => {
            let mut out = syn::Error::new_spanned(nv, format!("expected #[{}(...)]", mac.name()))
                .to_compile_error();
            out.extend(parts.into_tokens());
            return Err(out);
        }
    };
    let expanded = super::expand_labelled(mac, args, parts.into_tokens(), label, exclude);
    let mut f = match syn::parse2::<ItemFn>(expanded.clone()) {
        Ok(f) => f,
        // The lower attribute reported its own errors next to the item: nothing to add.
        Err(_) if reports_errors(&expanded) => return Err(expanded),
        Err(e) => {
            let Some(outer) = outer else {
                return Err(expanded);
            };
            let mut out = unreadable(outer, mac, &attr, &e).to_compile_error();
            already_expanded_marker(&attr).to_tokens(&mut out);
            out.extend(expanded);
            return Err(out);
        }
    };
    f.attrs.push(already_expanded_marker(&attr));
    Ok(FnParts::from_item(f))
}

/// The lowered attribute put back as a no-op, so rustc still resolves its path: otherwise the
/// user's `use errmon_runtime::retry;` would be reported as unused.
fn already_expanded_marker(attr: &syn::Attribute) -> syn::Attribute {
    let path = attr.path();
    let marker = syn::Ident::new(ALREADY_EXPANDED, Span::call_site());
    syn::parse_quote!(#[#path(#marker)])
}

/// The error for an expansion of `inner` that `outer` cannot parse back: a bug of errmon's,
/// tokens that syn reads otherwise than rustc does (`break 'label` followed by a path starting
/// with `::` inside the invisible group of a `macro_rules!` fragment, which syn takes for a
/// labeled loop), reported on `inner` with a way to keep both attributes until it is fixed.
///
/// Input:  `#[monitored] #[retry] fn f()` where `#[retry]`'s output does not parse as a
///         function.
/// Output: `compile_error!("#[monitored] cannot read ...")` on `#[retry]`, then `f` as
///         `#[retry]` expanded it.
fn unreadable(outer: Macro, inner: Macro, at: &syn::Attribute, e: &syn::Error) -> syn::Error {
    let (outer, inner) = (outer.name(), inner.name());
    syn::Error::new_spanned(
        at,
        format!(
            "#[{outer}] cannot read this function as #[{inner}] expanded it ({e}) and would leave \
             it unrecorded: a bug of errmon's, worth reporting; to keep both meanwhile, put \
             #[{inner}] on a function of its own and #[{outer}] on one that calls it"
        ),
    )
}

/// Whether `tokens` hold a `compile_error!` at their top level: an expansion that reported
/// errors next to the item it emits.
fn reports_errors(tokens: &TokenStream) -> bool {
    let trees: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
    trees.windows(2).any(|w| {
        matches!(
            (&w[0], &w[1]),
            (proc_macro2::TokenTree::Ident(i), proc_macro2::TokenTree::Punct(p))
                if i == "compile_error" && p.as_char() == '!'
        )
    })
}

/// The argument of an attribute that another errmon attribute already expanded (see
/// [`lower`]): the attribute then leaves its item unchanged.
const ALREADY_EXPANDED: &str = "__errmon_already_expanded";

/// Whether the arguments are the marker [`lower`] leaves behind.
pub(super) fn already_expanded(args: &TokenStream) -> bool {
    let mut it = args.clone().into_iter();
    matches!((it.next(), it.next()), (Some(proc_macro2::TokenTree::Ident(i)), None) if i == ALREADY_EXPANDED)
}

pub(super) fn stacked(attr: &syn::Attribute) -> Option<Macro> {
    Macro::ALL.into_iter().find(|m| is_attr(attr, *m))
}

/// `#[monitored]` already counts and times calls, so stacking it with `#[count_calls]` or
/// `#[timed]` (or any attribute with itself) would count them twice.
pub(super) fn check(mac: Macro, parts: &FnParts, errors: &mut Errors) {
    for attr in &parts.attrs {
        let Some(other) = stacked(attr) else {
            continue;
        };
        if other == mac {
            let why = match mac {
                Macro::Retry => " (nested retries multiply the attempts)",
                _ => "",
            };
            errors.add(
                attr,
                format!("#[{}] is given twice; keep one{why}", mac.name()),
            );
        } else if mac == Macro::Monitored && other != Macro::Retry {
            errors.add(attr, redundant_with_monitored(other));
        } else if other == Macro::Monitored && mac != Macro::Retry {
            // The attribute to remove is the one being expanded, above #[monitored]; rustc
            // gives an attribute macro's call site the span of the whole attribute.
            errors.add(Span::call_site(), redundant_with_monitored(mac));
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

pub(super) fn is_attr(attr: &syn::Attribute, mac: Macro) -> bool {
    is_named(attr, mac.name())
}

/// `#[name]`, `#[errmon_runtime::name]` or `#[errmon_macros::name]`.
pub(super) fn is_named(attr: &syn::Attribute, name: &str) -> bool {
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
