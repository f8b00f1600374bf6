//! The capped table of error groups: one per fingerprint of (function, error type, kind,
//! parameterized message), each with its count, first and last time seen, distinct users,
//! a few raw samples and its own rate window.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use super::users::DistinctUsers;
use super::window::Window;

/// Raw messages kept per group.
pub(crate) const SAMPLES: usize = 3;
/// The fingerprint of the group errors fold into once the table is full.
pub(crate) const OTHER_FINGERPRINT: u64 = 0;

/// Fingerprints are hashes already: use them as they are. (Also keeps `RandomState`, and the
/// thread-local its seed lives in, off the error path.)
#[derive(Default)]
pub(crate) struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_usize(&mut self, n: usize) {
        // Addresses: their low bits are alignment, so spread them.
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

pub(crate) type IdentityMap<K, V> = HashMap<K, V, BuildHasherDefault<Identity>>;

#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub(crate) function: &'static str,
    pub(crate) module: &'static str,
    pub(crate) type_name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) pattern: String,
    pub(crate) count: u64,
    pub(crate) first_ms: u64,
    pub(crate) last_ms: u64,
    pub(crate) users: DistinctUsers,
    pub(crate) samples: Vec<String>,
    pub(crate) window: Window,
}

/// Identifies a new group.
pub(crate) struct Key<'a> {
    pub(crate) fingerprint: u64,
    pub(crate) function: &'static str,
    pub(crate) module: &'static str,
    pub(crate) type_name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) pattern: &'a str,
}

#[derive(Debug, Default)]
pub(crate) struct Groups {
    groups: IdentityMap<u64, Group>,
    /// Errors that found the table full, folded into `other`.
    pub(crate) folded: u64,
}

impl Groups {
    /// Counts one error in its group (or in `other` when `cap` groups exist) and returns the
    /// fingerprint it was counted under.
    pub(crate) fn record(
        &mut self,
        key: &Key<'_>,
        cap: usize,
        message: &str,
        user: Option<&str>,
        now_ms: u64,
    ) -> u64 {
        let real_groups =
            self.groups.len() - usize::from(self.groups.contains_key(&OTHER_FINGERPRINT));
        let fp = if self.groups.contains_key(&key.fingerprint) || real_groups < cap {
            key.fingerprint
        } else {
            self.folded += 1;
            OTHER_FINGERPRINT
        };
        let g = self.groups.entry(fp).or_insert_with(|| {
            let other = fp == OTHER_FINGERPRINT;
            Group {
                function: if other { "" } else { key.function },
                module: if other { "" } else { key.module },
                type_name: if other { "other" } else { key.type_name },
                kind: if other { "other" } else { key.kind },
                pattern: if other {
                    "other".to_owned()
                } else {
                    key.pattern.to_owned()
                },
                count: 0,
                first_ms: now_ms,
                last_ms: now_ms,
                users: DistinctUsers::default(),
                samples: Vec::new(),
                window: Window::default(),
            }
        });
        g.count += 1;
        g.first_ms = g.first_ms.min(now_ms);
        g.last_ms = g.last_ms.max(now_ms);
        if let Some(u) = user {
            g.users.insert(u);
        }
        if g.samples.len() < SAMPLES && !g.samples.iter().any(|s| s == message) {
            g.samples.push(message.to_owned());
        }
        g.window.add(now_ms);
        fp
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &Group)> {
        self.groups.iter().map(|(&fp, g)| (fp, g))
    }

    pub(crate) fn len(&self) -> usize {
        self.groups.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(fingerprint: u64) -> Key<'static> {
        Key {
            fingerprint,
            function: "f",
            module: "m",
            type_name: "E",
            kind: "k",
            pattern: "p <int>",
        }
    }

    #[test]
    fn groups_past_the_cap_fold_into_other() {
        let mut g = Groups::default();
        for fp in 1..=5 {
            g.record(&key(fp), 3, &format!("p {fp}"), Some("ada"), 1_000);
        }
        // An existing group still counts on its own when the table is full.
        assert_eq!(g.record(&key(2), 3, "p 2", None, 2_000), 2);
        assert_eq!(g.len(), 4);
        assert_eq!(g.folded, 2);
        let other = g.iter().find(|(fp, _)| *fp == OTHER_FINGERPRINT).unwrap().1;
        assert_eq!((other.count, other.pattern.as_str()), (2, "other"));
        let two = g.iter().find(|(fp, _)| *fp == 2).unwrap().1;
        assert_eq!(
            (two.count, two.first_ms, two.last_ms, two.users.count()),
            (2, 1_000, 2_000, (1, false))
        );
        assert_eq!(two.samples, ["p 2"]);
    }
}
