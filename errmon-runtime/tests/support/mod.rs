//! `#[monitored]` written out by hand the way its expansion will hand errors over (see
//! `errmon_runtime::__private` and its `report.rs`), until the macro does it itself.

#![allow(unused_macros, dead_code)]

/// The end of a `#[monitored]` call: the outcome, and on the error path the error value.
macro_rules! finish_by_hand {
    ($call:ident, $out:ident, $severity:expr, $fields:expr) => {{
        #[allow(unused_imports)]
        use ::errmon_runtime::__private::{
            DescribeAny as _, DescribeDebug as _, DescribeDisplay as _, DescribeError as _,
            SeverityOfAny as _, SeverityOfKind as _, ViaAny as _, ViaErrorKind as _,
            ViaResult as _,
        };
        match (&&&::errmon_runtime::__private::Classify(&$out)).__errmon_outcome() {
            ::errmon_runtime::__private::Outcome::Error { type_name, kind } => $call.finish_err(
                type_name,
                kind,
                ::errmon_runtime::__private::Failure {
                    error: (&&&&&&::errmon_runtime::__private::Describe(&$out)).__errmon_error(),
                    severity: (&&::errmon_runtime::__private::SeverityOf(&$out))
                        .__errmon_severity()
                        .unwrap_or($severity),
                    fields: $fields,
                },
            ),
            outcome => $call.finish(outcome),
        }
    }};
    ($call:ident, $out:ident) => {
        finish_by_hand!(
            $call,
            $out,
            ::errmon_runtime::__private::Severity::Error,
            &[]
        )
    };
}

/// A site of `#[monitored]` named `$name`.
macro_rules! site_by_hand {
    ($name:expr) => {{
        static SITE: ::errmon_runtime::__private::Site =
            ::errmon_runtime::__private::Site::new(::errmon_runtime::__private::Meta::__new(
                $name,
                module_path!(),
                file!(),
                line!(),
                ::errmon_runtime::__private::Kind::Monitored,
                &[],
            ));
        &SITE
    }};
}

/// `#[monitored] fn $name(args) -> Ret { body }`, expanded by hand.
macro_rules! monitored_by_hand {
    ($(#[$m:meta])* fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$m])*
        fn $name($($arg: $ty),*) -> $ret {
            let call = site_by_hand!(stringify!($name)).enter();
            #[allow(clippy::redundant_closure_call)]
            let out: $ret = (move || $body)();
            finish_by_hand!(call, out);
            out
        }
    };
    ($(#[$m:meta])* async fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block) => {
        $(#[$m])*
        async fn $name($($arg: $ty),*) -> $ret {
            let call = site_by_hand!(stringify!($name)).enter_async();
            let out: $ret = call.body(async move $body).await;
            finish_by_hand!(call, out);
            out
        }
    };
}

/// The reports of `function`, newest first.
pub(crate) fn reports(function: &str) -> Vec<errmon_runtime::errors::Report> {
    let q = errmon_runtime::errors::Query::default()
        .with_limit(errmon_runtime::errors::MAX_LIMIT)
        .with_function(function);
    errmon_runtime::errors::snapshot_with(&q).recent
}

/// The counts of `function`.
pub(crate) fn counts(function: &str) -> Option<errmon_runtime::errors::FunctionErrors> {
    let q = errmon_runtime::errors::Query::default().with_function(function);
    errmon_runtime::errors::snapshot_with(&q)
        .by_function
        .into_iter()
        .next()
}

/// The groups of `function`.
pub(crate) fn groups(function: &str) -> Vec<errmon_runtime::errors::Group> {
    let q = errmon_runtime::errors::Query::default()
        .with_limit(errmon_runtime::errors::MAX_LIMIT)
        .with_function(function);
    errmon_runtime::errors::snapshot_with(&q).top_groups
}
