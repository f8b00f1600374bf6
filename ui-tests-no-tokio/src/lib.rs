//! Compile-fail cases of errmon-runtime built without its default features; see `tests/ui.rs`.
