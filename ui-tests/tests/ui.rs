//! Compile-pass and compile-fail cases of the errmon macros. Each `fail/*.rs` is one misuse
//! with the `.stderr` a user sees; regenerate with `TRYBUILD=overwrite` and read the result.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("pass/*.rs");
    t.compile_fail("fail/*.rs");
}
