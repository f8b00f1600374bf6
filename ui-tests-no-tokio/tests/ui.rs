//! Compile-fail cases that need errmon-runtime without its default `tokio` feature.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("fail/*.rs");
}
