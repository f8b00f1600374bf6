//! What every layer uses and that knows none of them: the one clock, thread numbers, storage
//! published once without a lock, time formatting, and the query strings of errmon's routes.

pub(crate) mod clock;
pub(crate) mod once;
pub(crate) mod query;
pub(crate) mod thread;
pub(crate) mod time;

/// Environment variables from a list, for the tests of what `ERRMON_*` variables set.
#[cfg(test)]
pub(crate) fn vars(pairs: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    let pairs = pairs.to_vec();
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| (*v).to_owned())
    }
}
