//! Every site called at least once or linked in at start-up: the write side adds a site on its
//! first call; `registry` reads the list.

use std::sync::LazyLock;

use dashmap::DashMap;

use super::Site;

static SITES: LazyLock<DashMap<usize, &'static Site>> = LazyLock::new(DashMap::new);

fn addr(site: &'static Site) -> usize {
    std::ptr::from_ref(site) as usize
}

/// Adds `site`, once.
pub(crate) fn register(site: &'static Site) {
    SITES.entry(addr(site)).or_insert(site);
}

/// How many sites are known.
pub(crate) fn count() -> usize {
    SITES.len()
}

/// Calls `f` with every site known, in no particular order.
pub(crate) fn each(mut f: impl FnMut(&'static Site)) {
    for e in SITES.iter() {
        f(e.value());
    }
}
