//! The registry of every instrumented site and of the errors they returned.
//!
//! Sites register themselves on their first call, and statically at start-up through
//! `inventory`, so functions appear (at zero) before they are first called. Errors are counted
//! here, off the hot path: only calls that fail touch the map.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use dashmap::DashMap;

use crate::site::{MAX_ERROR_SERIES_PER_SITE, Site};

/// Links a site into the registry at start-up, before its function is first called.
pub struct Registration(pub &'static Site);

inventory::collect!(Registration);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct ErrorKey {
    site: usize,
    type_name: &'static str,
    kind: &'static str,
}

struct ErrorCount {
    site: &'static Site,
    count: AtomicU64,
}

#[derive(Default)]
struct Registry {
    sites: DashMap<usize, &'static Site>,
    errors: DashMap<ErrorKey, ErrorCount>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::default);

fn addr(site: &'static Site) -> usize {
    std::ptr::from_ref(site) as usize
}

pub(crate) fn register(site: &'static Site) {
    REGISTRY.sites.entry(addr(site)).or_insert(site);
}

/// The label values errors fold into once a site has created too many error series.
pub(crate) const OTHER: &str = "other";

pub(crate) fn record_error(site: &'static Site, type_name: &'static str, kind: &'static str) {
    let mut key = ErrorKey {
        site: addr(site),
        type_name,
        kind,
    };
    if let Some(e) = REGISTRY.errors.get(&key) {
        e.count.fetch_add(1, Relaxed);
        return;
    }
    if site.error_series().fetch_add(1, Relaxed) >= MAX_ERROR_SERIES_PER_SITE {
        key.type_name = OTHER;
        key.kind = OTHER;
    }
    REGISTRY
        .errors
        .entry(key)
        .or_insert_with(|| ErrorCount {
            site,
            count: AtomicU64::new(0),
        })
        .count
        .fetch_add(1, Relaxed);
}

/// Every site known so far: those called at least once and those linked in at start-up.
pub fn sites() -> Vec<&'static Site> {
    for r in inventory::iter::<Registration> {
        register(r.0);
    }
    let mut all: Vec<&'static Site> = REGISTRY.sites.iter().map(|e| *e.value()).collect();
    all.sort_by_key(|s| (s.meta().function, s.meta().module, s.meta().line));
    all
}

/// Errors counted by site, type and kind.
pub struct ErrorSeries {
    /// The site that returned the errors.
    pub site: &'static Site,
    /// The error type, shortened to its last path segments (`io::Error` becomes `Error`).
    pub error_type: String,
    /// The bounded kind.
    pub error_kind: &'static str,
    /// How many were returned.
    pub count: u64,
}

/// Every error series so far.
pub fn errors() -> Vec<ErrorSeries> {
    REGISTRY
        .errors
        .iter()
        .map(|e| ErrorSeries {
            site: e.value().site,
            error_type: short_type_name(e.key().type_name),
            error_kind: e.key().kind,
            count: e.value().count.load(Relaxed),
        })
        .collect()
}

/// `alloc::boxed::Box<dyn core::error::Error + Send>` becomes `Box<dyn Error + Send>`.
pub(crate) fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut rest = full;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let (path, tail) = rest.split_at(end);
        out.push_str(path.rsplit("::").next().unwrap_or(path));
        let sep = tail.chars().next().map_or(0, char::len_utf8);
        out.push_str(&tail[..sep]);
        rest = &tail[sep..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn short_type_names_keep_generics_and_drop_paths() {
        assert_eq!(short_type_name("std::io::error::Error"), "Error");
        assert_eq!(short_type_name("app::DbError"), "DbError");
        assert_eq!(
            short_type_name("alloc::boxed::Box<dyn core::error::Error + core::marker::Send>"),
            "Box<dyn Error + Send>"
        );
        assert_eq!(short_type_name("(u8, app::E)"), "(u8, E)");
        assert_eq!(short_type_name("&str"), "&str");
    }
}
