//! What every layer uses and that knows none of them: the one clock, thread numbers, storage
//! published once without a lock, time formatting, and the query strings of errmon's routes.

pub(crate) mod clock;
pub(crate) mod once;
pub(crate) mod query;
pub(crate) mod thread;
pub(crate) mod time;
