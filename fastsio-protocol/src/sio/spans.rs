//! [`Spans`]: where each argument of a received array lies in its text, inline for an event's
//! name and one argument (most events, and every ack of one value), so splitting those
//! allocates nothing.

use std::fmt;

/// Arguments kept inline; more move to the heap. Two keep [`Spans`] the size of a `Vec`: a
/// larger `EventArgs` costs more in the moves of every event than the allocation it saves.
const INLINE: usize = 2;

/// Byte ranges (start, end) of a text, in order.
#[derive(Clone)]
pub(crate) enum Spans {
    Inline {
        len: u8,
        items: [(u32, u32); INLINE],
    },
    Heap(Vec<(u32, u32)>),
}

impl Default for Spans {
    fn default() -> Self {
        Spans::Inline {
            len: 0,
            items: [(0, 0); INLINE],
        }
    }
}

impl Spans {
    pub(crate) fn push(&mut self, span: (u32, u32)) {
        let heap = match self {
            Spans::Heap(spans) => {
                spans.push(span);
                return;
            }
            Spans::Inline { len, items } => {
                if let Some(slot) = items.get_mut(usize::from(*len)) {
                    *slot = span;
                    *len += 1;
                    return;
                }
                let mut heap = Vec::with_capacity(INLINE * 2);
                heap.extend_from_slice(items);
                heap.push(span);
                heap
            }
        };
        *self = Spans::Heap(heap);
    }

    pub(crate) fn as_slice(&self) -> &[(u32, u32)] {
        match self {
            Spans::Inline { len, items } => items.get(..usize::from(*len)).unwrap_or_default(),
            Spans::Heap(spans) => spans,
        }
    }
}

impl From<Vec<(u32, u32)>> for Spans {
    fn from(spans: Vec<(u32, u32)>) -> Self {
        Spans::Heap(spans)
    }
}

impl PartialEq for Spans {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Spans {}

impl fmt::Debug for Spans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_span_in_order_inline_then_on_the_heap() {
        let mut spans = Spans::default();
        let all: Vec<(u32, u32)> = (0..10).map(|i| (i, i + 1)).collect();
        for (n, &span) in all.iter().enumerate() {
            spans.push(span);
            assert_eq!(spans.as_slice(), &all[..=n]);
            assert_eq!(matches!(spans, Spans::Inline { .. }), n < INLINE);
        }
        assert_eq!(spans, Spans::from(all));
    }
}
