//! Compile-pass and compile-fail cases of the errmon macros; see `tests/ui.rs`.
