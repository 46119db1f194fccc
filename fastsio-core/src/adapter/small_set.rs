//! [`SmallSet`]: the set the local adapter keeps per room and per socket, without a heap
//! allocation while it holds one element.
//!
//! Every socket is in the room named by its own id, and most sockets are in no other: a room
//! with one member and a socket in one room are the common case, and a `HashSet` would give
//! each of them a table of its own (two allocations per idle socket).

use std::collections::HashSet;
use std::collections::hash_set;
use std::hash::Hash;

/// A set of `T`: inline while it holds at most one element, a `HashSet` beyond.
#[derive(Debug, Clone, Default)]
pub(super) enum SmallSet<T> {
    #[default]
    Empty,
    One(T),
    Many(HashSet<T>),
}

impl<T: Eq + Hash> SmallSet<T> {
    /// Adds `value`; false if it was there.
    pub(super) fn insert(&mut self, value: T) -> bool {
        match self {
            SmallSet::Empty => {
                *self = SmallSet::One(value);
                true
            }
            SmallSet::One(one) if *one == value => false,
            SmallSet::One(_) => {
                let SmallSet::One(one) = std::mem::take(self) else {
                    unreachable!("matched as One above")
                };
                *self = SmallSet::Many(HashSet::from([one, value]));
                true
            }
            SmallSet::Many(set) => set.insert(value),
        }
    }

    /// Removes `value`; false if it was not there. A set left with one element goes back
    /// inline.
    pub(super) fn remove(&mut self, value: &T) -> bool {
        match self {
            SmallSet::Empty => false,
            SmallSet::One(one) if one == value => {
                *self = SmallSet::Empty;
                true
            }
            SmallSet::One(_) => false,
            SmallSet::Many(set) => {
                let removed = set.remove(value);
                if set.len() <= 1 {
                    let last = set.drain().next();
                    *self = last.map_or(SmallSet::Empty, SmallSet::One);
                }
                removed
            }
        }
    }

    /// Whether `value` is in the set.
    pub(super) fn contains(&self, value: &T) -> bool {
        match self {
            SmallSet::Empty => false,
            SmallSet::One(one) => one == value,
            SmallSet::Many(set) => set.contains(value),
        }
    }

    /// Whether the set is empty.
    pub(super) fn is_empty(&self) -> bool {
        matches!(self, SmallSet::Empty)
    }

    /// The elements, in no particular order.
    pub(super) fn iter(&self) -> Iter<'_, T> {
        match self {
            SmallSet::Empty => Iter::Inline(None),
            SmallSet::One(one) => Iter::Inline(Some(one)),
            SmallSet::Many(set) => Iter::Many(set.iter()),
        }
    }
}

impl<T: Eq + Hash> Extend<T> for SmallSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        for value in values {
            self.insert(value);
        }
    }
}

/// The elements of a [`SmallSet`].
pub(super) enum Iter<'a, T> {
    Inline(Option<&'a T>),
    Many(hash_set::Iter<'a, T>),
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        match self {
            Iter::Inline(one) => one.take(),
            Iter::Many(iter) => iter.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(set: &SmallSet<u32>) -> Vec<u32> {
        let mut out: Vec<_> = set.iter().copied().collect();
        out.sort();
        out
    }

    #[test]
    fn grows_past_one_and_shrinks_back() {
        let mut set = SmallSet::default();
        assert!(set.is_empty());
        assert!(set.insert(1));
        assert!(!set.insert(1));
        assert!(matches!(set, SmallSet::One(1)));
        assert!(set.insert(2));
        assert!(set.insert(3));
        assert_eq!(sorted(&set), [1, 2, 3]);
        assert!(set.contains(&2) && !set.contains(&4));
        assert!(set.remove(&1));
        assert!(!set.remove(&1));
        assert!(set.remove(&3));
        assert!(matches!(set, SmallSet::One(2)));
        assert!(set.remove(&2));
        assert!(set.is_empty());
        assert!(!set.remove(&2));
    }

    #[test]
    fn extend_skips_duplicates() {
        let mut set = SmallSet::default();
        set.extend([5, 5, 6]);
        assert_eq!(sorted(&set), [5, 6]);
    }
}
