//! Every compile-pass case of `pass/` compiled as a module of one crate, so that
//! `cargo clippy --all-targets` lints the code the attributes generate (each file denies
//! `warnings`, `clippy::all` and `clippy::pedantic`), and `cargo test` runs each case's checks.
//!
//! Keep this list in sync with `pass/`: `every_pass_file_is_included` fails otherwise.
#[path = "../pass/async_fn.rs"]
mod async_fn;
#[path = "../pass/async_trait.rs"]
mod async_trait;
#[path = "../pass/async_trait_unused_references.rs"]
mod async_trait_unused_references;
#[path = "../pass/borrows.rs"]
mod borrows;
#[path = "../pass/canonical_impls.rs"]
mod canonical_impls;
#[path = "../pass/derive_error_kind.rs"]
mod derive_error_kind;
#[path = "../pass/destructured.rs"]
mod destructured;
#[path = "../pass/drop_order.rs"]
mod drop_order;
#[path = "../pass/early_return.rs"]
mod early_return;
#[path = "../pass/extern_c.rs"]
mod extern_c;
#[path = "../pass/forbid_warnings.rs"]
mod forbid_warnings;
#[path = "../pass/generics.rs"]
mod generics;
#[path = "../pass/glob_shadow.rs"]
mod glob_shadow;
#[path = "../pass/impl_block.rs"]
mod impl_block;
#[path = "../pass/impl_trait.rs"]
mod impl_trait;
#[path = "../pass/inner_attrs.rs"]
mod inner_attrs;
#[path = "../pass/monitor_block.rs"]
mod monitor_block;
#[path = "../pass/must_use.rs"]
mod must_use;
#[path = "../pass/never.rs"]
mod never;
#[path = "../pass/one_line_bodies.rs"]
mod one_line_bodies;
#[path = "../pass/receivers.rs"]
mod receivers;
#[path = "../pass/recursion.rs"]
mod recursion;
#[path = "../pass/report_options.rs"]
mod report_options;
#[path = "../pass/retry.rs"]
mod retry;
#[path = "../pass/returned_futures.rs"]
mod returned_futures;
#[path = "../pass/returns.rs"]
mod returns;
#[path = "../pass/tracing_instrument.rs"]
mod tracing_instrument;
#[path = "../pass/track_caller.rs"]
mod track_caller;
#[path = "../pass/trait_impl.rs"]
mod trait_impl;
#[path = "../pass/unsafe_fn.rs"]
mod unsafe_fn;
#[path = "../pass/user_core.rs"]
mod user_core;
#[path = "../pass/user_lints.rs"]
mod user_lints;

/// The modules above, by file name.
const INCLUDED: &[&str] = &[
    "async_fn",
    "async_trait",
    "async_trait_unused_references",
    "borrows",
    "canonical_impls",
    "derive_error_kind",
    "destructured",
    "drop_order",
    "early_return",
    "extern_c",
    "forbid_warnings",
    "generics",
    "glob_shadow",
    "impl_block",
    "impl_trait",
    "inner_attrs",
    "monitor_block",
    "must_use",
    "never",
    "one_line_bodies",
    "receivers",
    "recursion",
    "report_options",
    "retry",
    "returned_futures",
    "returns",
    "tracing_instrument",
    "track_caller",
    "trait_impl",
    "unsafe_fn",
    "user_core",
    "user_lints",
];

#[test]
fn async_fn_behaves() {
    async_fn::main();
}

#[test]
fn async_trait_behaves() {
    async_trait::main();
}

#[test]
fn async_trait_unused_references_behaves() {
    async_trait_unused_references::main();
}

#[test]
fn borrows_behaves() {
    borrows::main();
}

#[test]
fn canonical_impls_behaves() {
    canonical_impls::main();
}

#[test]
fn derive_error_kind_behaves() {
    derive_error_kind::main();
}

#[test]
fn destructured_behaves() {
    destructured::main();
}

#[test]
fn drop_order_behaves() {
    drop_order::main();
}

#[test]
fn early_return_behaves() {
    early_return::main();
}

#[test]
fn extern_c_behaves() {
    extern_c::main();
}

#[test]
fn forbid_warnings_behaves() {
    forbid_warnings::main();
}

#[test]
fn generics_behaves() {
    generics::main();
}

#[test]
fn glob_shadow_behaves() {
    glob_shadow::main();
}

#[test]
fn impl_block_behaves() {
    impl_block::main();
}

#[test]
fn impl_trait_behaves() {
    impl_trait::main();
}

#[test]
fn retry_behaves() {
    retry::main();
}

#[test]
fn inner_attrs_behaves() {
    inner_attrs::main();
}

#[test]
fn monitor_block_behaves() {
    monitor_block::main();
}

#[test]
fn report_options_behaves() {
    report_options::main();
}

#[test]
fn must_use_behaves() {
    must_use::main();
}

#[test]
fn never_behaves() {
    never::main();
}

#[test]
fn one_line_bodies_behaves() {
    one_line_bodies::main();
}

#[test]
fn receivers_behaves() {
    receivers::main();
}

#[test]
fn recursion_behaves() {
    recursion::main();
}

#[test]
fn returned_futures_behaves() {
    returned_futures::main();
}

#[test]
fn returns_behaves() {
    returns::main();
}

#[test]
fn track_caller_behaves() {
    track_caller::main();
}

#[test]
fn tracing_instrument_behaves() {
    tracing_instrument::main();
}

#[test]
fn trait_impl_behaves() {
    trait_impl::main();
}

#[test]
fn unsafe_fn_behaves() {
    unsafe_fn::main();
}

#[test]
fn user_core_behaves() {
    user_core::main();
}

#[test]
fn user_lints_behaves() {
    user_lints::main();
}

#[test]
fn every_pass_file_is_included() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("pass");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("ui-tests/pass exists")
        .filter_map(|e| {
            let path = e.expect("a directory entry").path();
            let is_rs = path.extension().is_some_and(|x| x == "rs");
            is_rs.then(|| {
                path.file_stem()
                    .expect("a file name")
                    .to_string_lossy()
                    .into_owned()
            })
        })
        .collect();
    files.sort();
    assert_eq!(files, INCLUDED, "add new pass files to tests/lints.rs");
}
