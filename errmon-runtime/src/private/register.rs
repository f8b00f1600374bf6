//! Links a site into the registry at start-up, before its function is first called, so that
//! every instrumented function is exported at zero from the start.
//!
//! `register_site!(&SITE)` expands, in the user's crate, to a `static` list node and a
//! constructor that pushes it onto errmon's own list (`registry::Link`) before `main`: the
//! same platform constructor sections (`.init_array`, `__mod_init_func`, `.CRT$XCU`) that
//! `inventory` uses, but with a node type and a list that errmon owns, so nothing depends on
//! another crate's private items.
//!
//! Why this and not the alternatives:
//! - `inventory::submit!` itself puts `#[allow(non_upper_case_globals)]` on its expansion: in a
//!   crate that forbids `warnings`, that `allow` is refused (`forbidden_lint_groups`) once for
//!   every annotated function. Copying the items its macro expands to (this module's former
//!   content) avoided the `allow` but used `inventory`'s undocumented `Node` and `ErasedNode`,
//!   which any 0.3 release may change (0.3.25 already added a field for WebAssembly).
//! - `linkme`'s distributed slices collect at link time, with no constructor at all, but
//!   support fewer targets than constructors do, and a platform without them would lose its
//!   sites silently.
//! - Registering on the first call alone costs nothing at start-up but shows a function only
//!   once it has been called; sites do register on their first call as well (see
//!   `registry::register`), so a target without constructor sections still sees every
//!   called function.
//!
//! The expansion holds no `allow` and no `unsafe` block (pushing is a safe atomic operation);
//! the hot path is untouched: the node is a `static` beside the site's own, and the
//! constructor runs once, before `main`. On WebAssembly, whose constructors `inventory` runs
//! its own way, `inventory::submit!` is used as it is.

/// `register_site!(&SITE)`: links the `&'static Site` into the registry at start-up.
#[doc(hidden)]
#[macro_export]
macro_rules! __errmon_register_site {
    ($site:expr) => {
        #[cfg(target_family = "wasm")]
        $crate::__private::inventory::submit! { $crate::__private::Registration($site) }

        #[cfg(not(target_family = "wasm"))]
        const _: () = {
            static ERRMON_LINK: $crate::__private::Link = $crate::__private::Link::new($site);

            #[cfg_attr(
                any(target_os = "linux", target_os = "android"),
                unsafe(link_section = ".text.startup")
            )]
            extern "C" fn errmon_link() {
                ERRMON_LINK.push();
            }

            #[used]
            #[cfg_attr(
                any(
                    target_os = "linux",
                    target_os = "android",
                    target_os = "dragonfly",
                    target_os = "freebsd",
                    target_os = "haiku",
                    target_os = "illumos",
                    target_os = "netbsd",
                    target_os = "nto",
                    target_os = "openbsd",
                    target_os = "redox",
                    target_os = "vxworks",
                    target_os = "none",
                ),
                unsafe(link_section = ".init_array")
            )]
            #[cfg_attr(
                any(target_os = "macos", target_os = "ios"),
                unsafe(link_section = "__DATA,__mod_init_func,mod_init_funcs")
            )]
            #[cfg_attr(windows, unsafe(link_section = ".CRT$XCU"))]
            static ERRMON_CTOR: extern "C" fn() = errmon_link;
        };
    };
}

pub use crate::__errmon_register_site as register_site;
