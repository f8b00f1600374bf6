//! The rules errmon checks twice: at compile time in `errmon-macros` (a static label, a
//! `name = "..."`, a `#[retry]` without arguments, a severity's name) and at start-up or run
//! time in `errmon-runtime` (constant labels, a site's labels against them, `Policy::DEFAULT`,
//! the names of severities). Both crates depend on this one, so
//! the two checks cannot disagree. Not meant to be used directly: depend on `errmon-runtime`.
//!
//! ```
//! use errmon_rules::labels::{LabelNameError, check_label_name};
//!
//! assert_eq!(check_label_name("region"), Ok(()));
//! assert!(matches!(check_label_name("le"), Err(LabelNameError::Reserved { .. })));
//! ```

pub mod labels;
pub mod retry;
pub mod severity;
