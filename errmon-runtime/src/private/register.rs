//! Links a site into the registry at start-up, as `inventory::submit!` does, without the
//! `#[allow(non_upper_case_globals)]` its expansion carries: a crate that forbids `warnings`
//! gets a `forbidden_lint_groups` warning for every annotated function otherwise.
//!
//! Mirrors `inventory`'s constructor-based registration (its `Node` and `ErasedNode` are the
//! items its own macro expands to); targets where `inventory` needs more (WebAssembly) use its
//! macro.

/// `register_site!(Registration(&SITE))`: `inventory::submit!` with no `allow` in its expansion.
#[doc(hidden)]
#[macro_export]
macro_rules! __errmon_register_site {
    ($($value:tt)*) => {
        #[cfg(target_family = "wasm")]
        $crate::__private::inventory::submit! { $($value)* }

        #[cfg(not(target_family = "wasm"))]
        const _: () = {
            static ERRMON_NODE: $crate::__private::inventory::Node = $crate::__private::inventory::Node {
                value: &{ $($value)* },
                next: ::core::cell::UnsafeCell::new(::core::option::Option::None),
            };

            #[cfg_attr(any(target_os = "linux", target_os = "android"), unsafe(link_section = ".text.startup"))]
            unsafe extern "C" fn errmon_ctor() {
                // SAFETY: `ERRMON_NODE.value` is the node's own value, of the collected type.
                unsafe {
                    $crate::__private::inventory::ErasedNode::submit(ERRMON_NODE.value, &ERRMON_NODE)
                }
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
                unsafe(link_section = ".init_array"),
            )]
            #[cfg_attr(
                any(target_os = "macos", target_os = "ios"),
                unsafe(link_section = "__DATA,__mod_init_func,mod_init_funcs"),
            )]
            #[cfg_attr(windows, unsafe(link_section = ".CRT$XCU"))]
            static ERRMON_CTOR: unsafe extern "C" fn() = errmon_ctor;
        };
    };
}

pub use crate::__errmon_register_site as register_site;
