//! The per-callsite static every macro records into.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};

use crate::args::{Args, Macro};

/// The per-callsite static, as an expression of type `&'static Site`, of an annotated function
/// or a `monitor!` block; `line_at` is the span whose line it records (the function's name, the
/// block's name).
///
/// Input: `#[monitored] fn load()` in `app::db`.
/// Output: `{ static SITE: Site = Site::new(Meta::__new("load", module_path!(), ..));
///            register_site!(&SITE); &SITE }`
///
/// The static sits in its own block so it cannot collide with the user's items, and
/// `register_site!` links it into the registry at start-up (see
/// `errmon_runtime::__private::register_site`), so the function is exported at zero before its
/// first call.
pub(crate) fn site(mac: Macro, function: &str, args: &Args, line_at: Span) -> TokenStream {
    let kind = match mac {
        Macro::CountCalls => quote!(Count),
        Macro::Timed => quote!(Timed),
        Macro::Monitored => quote!(Monitored),
        Macro::Retry => quote!(Retry),
    };
    let keys = args.labels.iter().map(|l| {
        let k = l.key.to_string();
        k.strip_prefix("r#").map_or(k.clone(), str::to_owned)
    });
    let values = args.labels.iter().map(|l| &l.value);
    let name = Span::mixed_site();
    let site = syn::Ident::new("ERRMON_SITE", name);
    // `line!()` spanned on the name, so it names the name's line.
    let line = quote_spanned!(line_at=> ::core::line!());
    quote_spanned! {name=>
        {
            static #site: ::errmon_runtime::__private::Site =
                ::errmon_runtime::__private::Site::new(::errmon_runtime::__private::Meta::__new(
                    #function,
                    ::core::module_path!(),
                    ::core::file!(),
                    #line,
                    ::errmon_runtime::__private::Kind::#kind,
                    &[#((#keys, #values)),*],
                ));
            ::errmon_runtime::__private::register_site!(&#site);
            &#site
        }
    }
}
