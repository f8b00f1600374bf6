//! Finding the instrumented sites, for the readers above `record`: every site, in order
//! ([`sites`]), in no order ([`each`]), by name ([`named`]), and their errors by series.
//!
//! Sites register themselves on their first call (`record::sites`), and at start-up through a
//! [`Link`] each (see `private::register`), so functions appear (at zero) before they are
//! first called. Each site counts its own errors (`record::error_table`); the registry only
//! finds the sites.

use std::sync::{LazyLock, PoisonError, RwLock};

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

pub use crate::record::{Kind, Meta, OutcomeLabel, Site, Snapshot};

/// Links a site into the registry at start-up, before its function is first called, where
/// `inventory` runs the constructors (WebAssembly); elsewhere a [`Link`] does.
#[derive(Debug)]
pub struct Registration(pub &'static crate::record::Callsite);

inventory::collect!(Registration);

/// A site linked in at start-up: a node of errmon's list of them, pushed once by the
/// constructor `register_site!` expands to, before `main` (see `private::register`).
#[derive(Debug)]
pub struct Link {
    site: &'static crate::record::Callsite,
    next: AtomicPtr<Link>,
    pushed: AtomicBool,
}

/// The last [`Link`] pushed; each points to the one pushed before it.
static LINKED: AtomicPtr<Link> = AtomicPtr::new(std::ptr::null_mut());

impl Link {
    /// A node for `site`, not in the list yet.
    pub const fn new(site: &'static crate::record::Callsite) -> Self {
        Link {
            site,
            next: AtomicPtr::new(std::ptr::null_mut()),
            pushed: AtomicBool::new(false),
        }
    }

    /// Adds this node to the list; a second push of the same node does nothing.
    pub fn push(&'static self) {
        if self.pushed.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = std::ptr::from_ref(self).cast_mut();
        let mut head = LINKED.load(Ordering::Acquire);
        loop {
            self.next.store(head, Ordering::Relaxed);
            match LINKED.compare_exchange_weak(head, this, Ordering::Release, Ordering::Acquire) {
                Ok(_) => return,
                Err(current) => head = current,
            }
        }
    }
}

/// Every site pushed by a [`Link`] so far.
fn linked() -> impl Iterator<Item = &'static crate::record::Callsite> {
    let mut next = LINKED.load(Ordering::Acquire);
    std::iter::from_fn(move || {
        // SAFETY: the list holds only pointers made from `&'static Link` (`Link::push`), so
        // each is valid for reads forever, and a node's `next` is set before it is published.
        let link: &'static Link = unsafe { next.as_ref() }?;
        next = link.next.load(Ordering::Acquire);
        Some(link.site)
    })
}

/// Every site known so far: those called at least once and those linked in at start-up.
///
/// ```
/// #[errmon_runtime::count_calls]
/// fn heartbeat() {}
///
/// heartbeat();
/// let site = errmon_runtime::sites::all()
///     .into_iter()
///     .find(|s| s.meta().function == "heartbeat" && s.meta().module == module_path!())
///     .unwrap();
/// assert_eq!(site.snapshot().calls, 1);
/// ```
pub fn sites() -> Vec<&'static Site> {
    register_linked();
    // Sorted once per set of sites, not on every scrape: sites are only ever added.
    type Sorted = (usize, Vec<&'static Site>);
    static SORTED: LazyLock<RwLock<Sorted>> = LazyLock::new(RwLock::default);
    let count = crate::record::sites::count();
    {
        let sorted = SORTED.read().unwrap_or_else(PoisonError::into_inner);
        if sorted.0 == count {
            return sorted.1.clone();
        }
    }
    let mut all = Vec::with_capacity(count);
    crate::record::sites::each(|s| all.push(s));
    all.sort_by_key(|s| (s.meta().function, s.meta().module, s.meta().line));
    let mut sorted = SORTED.write().unwrap_or_else(PoisonError::into_inner);
    *sorted = (all.len(), all.clone());
    all
}

/// Calls `f` with every site known so far, in no particular order: what a periodic reader
/// uses, as it needs neither a list nor an order.
pub(crate) fn each(f: impl FnMut(&'static Site)) {
    register_linked();
    crate::record::sites::each(f);
}

/// Registers the sites linked in at start-up, once: they never change after, and later sites
/// register themselves on their first call.
fn register_linked() {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| {
        for r in inventory::iter::<Registration> {
            crate::record::sites::register(r.0.view());
        }
        for site in linked() {
            crate::record::sites::register(site.view());
        }
    });
}

/// The sites whose `function` label is `name`, in module and line order, from an index
/// rebuilt only when sites were added since it was built.
pub(crate) fn named(name: &str) -> Vec<&'static Site> {
    use std::collections::HashMap;
    type Index = (usize, HashMap<&'static str, Vec<&'static Site>>);
    static INDEX: LazyLock<RwLock<Index>> = LazyLock::new(RwLock::default);
    register_linked();
    let count = crate::record::sites::count();
    {
        let index = INDEX.read().unwrap_or_else(PoisonError::into_inner);
        if index.0 == count {
            return index.1.get(name).cloned().unwrap_or_default();
        }
    }
    let mut by_name: HashMap<&'static str, Vec<&'static Site>> = HashMap::new();
    crate::record::sites::each(|site| {
        by_name.entry(site.meta().function).or_default().push(site);
    });
    for sites in by_name.values_mut() {
        sites.sort_by_key(|s| (s.meta().module, s.meta().line));
    }
    let found = by_name.get(name).cloned().unwrap_or_default();
    *INDEX.write().unwrap_or_else(PoisonError::into_inner) = (count, by_name);
    found
}

/// Errors counted by site, type and kind.
#[derive(Clone, Debug)]
#[non_exhaustive]
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

impl Site {
    /// The errors this site returned so far, by type and kind; empty (and allocation-free) when
    /// there were none.
    ///
    /// ```
    /// #[errmon_runtime::monitored]
    /// fn open() -> std::io::Result<()> {
    ///     Err(std::io::ErrorKind::NotFound.into())
    /// }
    ///
    /// let _ = open();
    /// let site = errmon_runtime::sites::all()
    ///     .into_iter()
    ///     .find(|s| s.meta().function == "open" && s.meta().module == module_path!())
    ///     .unwrap();
    /// let e = &site.error_series()[0];
    /// assert_eq!((e.error_type.as_str(), e.error_kind, e.count), ("Error", "not_found", 1));
    /// ```
    pub fn error_series(&'static self) -> Vec<ErrorSeries> {
        self.series_counts()
            .into_iter()
            .map(|(type_name, kind, count)| ErrorSeries {
                site: self,
                error_type: short_type_name(type_name),
                error_kind: kind,
                count,
            })
            .collect()
    }
}

/// Every error series so far, in site order.
///
/// ```
/// #[derive(Debug, errmon_runtime::ErrorKind)]
/// enum DbError {
///     NotFound,
/// }
///
/// #[errmon_runtime::monitored]
/// fn load_order() -> Result<(), DbError> {
///     Err(DbError::NotFound)
/// }
///
/// let _ = load_order();
/// let e = errmon_runtime::sites::error_series()
///     .into_iter()
///     .find(|e| e.site.meta().function == "load_order" && e.site.meta().module == module_path!())
///     .unwrap();
/// assert_eq!((e.error_type.as_str(), e.error_kind, e.count), ("DbError", "not_found", 1));
/// ```
pub fn error_series() -> Vec<ErrorSeries> {
    sites().into_iter().flat_map(Site::error_series).collect()
}

/// [`short_type_name`] of a type name from `std::any::type_name`, worked out once per name (up
/// to [`SHORT_NAMES`] of them; past that, each time): error reports, log lines and every scrape
/// ask for the same few names again and again.
pub(crate) fn short_type_name_of(full: &'static str) -> std::borrow::Cow<'static, str> {
    use std::borrow::Cow;
    use std::sync::OnceLock;
    static CACHE: [OnceLock<(usize, &'static str)>; SHORT_NAMES] =
        [const { OnceLock::new() }; SHORT_NAMES];
    // The same type's name is the same static text, so its address identifies it.
    let key = full.as_ptr() as usize ^ full.len();
    let slot = &CACHE[key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56 & (SHORT_NAMES - 1)];
    let &(cached, short) =
        slot.get_or_init(|| (key, Box::leak(short_type_name(full).into_boxed_str())));
    if cached == key {
        Cow::Borrowed(short)
    } else {
        Cow::Owned(short_type_name(full))
    }
}

/// Names [`short_type_name_of`] keeps: a power of two.
const SHORT_NAMES: usize = 256;

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
