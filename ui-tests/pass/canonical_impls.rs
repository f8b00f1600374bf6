//! Canonical `PartialOrd` and `Clone` impls stay canonical to clippy under the attributes:
//! `non_canonical_partial_ord_impl` and `non_canonical_clone_impl` must not fire on a body that
//! already is `Some(self.cmp(other))` or `*self`, with the attribute on the impl or the method.
#![deny(warnings, clippy::all, clippy::pedantic)]

use std::cmp::Ordering;

use errmon_runtime::sites::{self, Kind};
use errmon_runtime::{count_calls, monitored, timed};

#[derive(Debug, PartialEq, Eq)]
pub struct OnImpl(u32);

impl Ord for OnImpl {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

#[monitored]
impl PartialOrd for OnImpl {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct OnMethod(u32);

impl Ord for OnMethod {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for OnMethod {
    #[monitored]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Timed(u32);

impl Ord for Timed {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

#[timed]
impl PartialOrd for Timed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, PartialEq, Copy)]
pub struct CopyOnImpl(u8);

#[monitored]
#[expect(clippy::expl_impl_clone_on_copy, reason = "the impl under test")]
impl Clone for CopyOnImpl {
    fn clone(&self) -> Self {
        *self
    }
}

#[derive(Debug, PartialEq, Copy)]
pub struct CopyOnMethod(u8);

#[expect(clippy::expl_impl_clone_on_copy, reason = "the impl under test")]
impl Clone for CopyOnMethod {
    #[count_calls]
    fn clone(&self) -> Self {
        *self
    }
}

fn calls(function: &str, kind: Kind) -> u64 {
    sites::all()
        .into_iter()
        .find(|s| s.meta().function == function && s.meta().kind == kind)
        .map_or(0, |s| s.snapshot().calls)
}

pub fn main() {
    assert!(OnImpl(1) < OnImpl(2));
    assert_eq!(OnMethod(3).partial_cmp(&OnMethod(3)), Some(Ordering::Equal));
    assert!(Timed(2) > Timed(1));
    #[expect(clippy::clone_on_copy, reason = "the call under test")]
    let copies = (CopyOnImpl(4).clone(), CopyOnMethod(5).clone());
    assert_eq!(copies, (CopyOnImpl(4), CopyOnMethod(5)));
    assert_eq!(calls("OnImpl::partial_cmp", Kind::Monitored), 1);
    assert_eq!(calls("partial_cmp", Kind::Monitored), 1);
    assert_eq!(calls("CopyOnImpl::clone", Kind::Monitored), 1);
    assert_eq!(calls("clone", Kind::Count), 1);
}
