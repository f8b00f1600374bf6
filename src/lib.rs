//! Hosts the examples and integration tests of the errmon workspace.
