//! The label layout of every series, prepared once per set of sites: which sites share a
//! label set (and so add up into one series), and each label set's text, escaped and in the
//! model's order, ready to be copied into a scrape.
//!
//! A scrape reuses the layout while the registry holds the same sites; sites are only ever
//! added (a function called for the first time, a library loaded later), so the number of
//! sites tells whether the layout is still current.

use std::sync::{Arc, Mutex, PoisonError};

use super::model::ordered_labels;
use crate::registry;
use crate::registry::Site;

/// Sites that share their labels (`function`, `module`, static labels), with that label set
/// rendered for each shape of series.
pub(crate) struct Group {
    pub(crate) sites: Vec<&'static Site>,
    /// `function="..",module=".."`.
    pub(crate) head: String,
    /// What follows the family's own labels: `,<static>,<const>` (or nothing), for series
    /// without family labels, for outcome series, and for error series. They differ only when
    /// a static label takes a name the family uses, which the family's label then wins.
    pub(crate) tail: String,
    pub(crate) tail_outcome: String,
    pub(crate) tail_error: String,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("sites", &self.sites.len())
            .field("head", &self.head)
            .field("tail", &self.tail)
            .finish_non_exhaustive()
    }
}

impl Group {
    pub(crate) fn first(&self) -> &'static Site {
        self.sites[0]
    }
}

/// Every group, in the order series are rendered: by `function`, `module`, static labels.
#[derive(Debug)]
pub(crate) struct Layout {
    sites: usize,
    pub(crate) groups: Vec<Group>,
    /// The series of the process as a whole (dropped error reports, dropped log lines): no
    /// site, no `function` or `module`; `tail` holds the constant labels, less one named
    /// `reason` like the families' own.
    pub(crate) process: Group,
}

impl Layout {
    pub(crate) fn build(const_labels: &[(String, String)]) -> Self {
        Self::of(registry::sites(), const_labels)
    }

    fn of(mut sites: Vec<&'static Site>, const_labels: &[(String, String)]) -> Self {
        let count = sites.len();
        let key = |s: &&'static Site| {
            let m = s.meta();
            (m.function, m.module, m.labels)
        };
        sites.sort_by_key(key);
        let mut groups: Vec<Group> = Vec::new();
        for site in sites {
            if let Some(g) = groups.last_mut() {
                if key(&g.first()) == key(&site) {
                    g.sites.push(site);
                    continue;
                }
            }
            groups.push(group(site, const_labels));
        }
        let mut tail = String::new();
        for (k, v) in const_labels.iter().filter(|(k, _)| k != "reason") {
            tail.push(',');
            push_label(&mut tail, k, v);
        }
        let process = Group {
            sites: Vec::new(),
            head: String::new(),
            tail,
            tail_outcome: String::new(),
            tail_error: String::new(),
        };
        Layout {
            sites: count,
            groups,
            process,
        }
    }
}

fn group(site: &'static Site, const_labels: &[(String, String)]) -> Group {
    let m = site.meta();
    let mut head = String::with_capacity(16 + m.function.len() + m.module.len());
    push_label(&mut head, "function", m.function);
    head.push(',');
    push_label(&mut head, "module", m.module);
    let tail = |extra: &[&'static str]| {
        let extras: Vec<_> = extra.iter().map(|k| (*k, "".into())).collect();
        let labels = ordered_labels(m.function, m.module, &extras, m.labels, const_labels);
        let mut out = String::new();
        for (k, v) in &labels[2 + extra.len()..] {
            out.push(',');
            push_label(&mut out, k, v);
        }
        out
    };
    Group {
        sites: vec![site],
        head,
        tail: tail(&[]),
        tail_outcome: tail(&["outcome"]),
        tail_error: tail(&["error_type", "error_kind"]),
    }
}

/// Appends `key="value"` with the exposition format's escapes.
pub(crate) fn push_label(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The latest layout, shared by the clones of one renderer.
#[derive(Debug, Default)]
pub(crate) struct LayoutCache(Mutex<Option<Arc<Layout>>>);

impl LayoutCache {
    /// The layout of the registry's current sites: the cached one if no site was added since.
    pub(crate) fn current(&self, const_labels: &[(String, String)]) -> Arc<Layout> {
        let sites = registry::sites();
        let mut cached = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(layout) = cached.as_ref().filter(|l| l.sites == sites.len()) {
            return Arc::clone(layout);
        }
        let layout = Arc::new(Layout::of(sites, const_labels));
        *cached = Some(Arc::clone(&layout));
        layout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut s = String::new();
        push_label(&mut s, "note", "a \"q\" b\\s\nn");
        assert_eq!(s, r#"note="a \"q\" b\\s\nn""#);
    }
}
