//! Reading a bundle's items while its outer object is still being read ([`read_while`]): the
//! reader of the outer object hands each item's raw text to a [`Sink`] as it passes it, and a
//! second thread (a job on replay's pool) reads the items in parts of [`PART`] as they come.
//! Reading the outer object is a pass over the whole file on one core (a fifteenth of a large
//! bundle's replay); before, the second core waited for it.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

use serde_json::value::RawValue;

use super::format::Item;
use super::par::cores;

/// Items handed on at once: enough that the hand-over costs little beside reading them.
const PART: usize = 32;

/// Each item read, or why it is not one (serde's words), in bundle order.
pub(super) type Read = Vec<Result<Item, String>>;

/// A part of the items: the position of its first item and the items' raw texts.
type Part<'a> = (usize, Vec<&'a RawValue>);

/// The parts handed on and not yet taken, each with the position of its first item, and
/// whether the outer reading is over (no more parts will come).
struct Queue<'a> {
    parts: Mutex<(VecDeque<Part<'a>>, bool)>,
    more: Condvar,
}

impl<'a> Queue<'a> {
    fn put(&self, part: Part<'a>) {
        let mut q = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        q.0.push_back(part);
        self.more.notify_one();
    }

    fn close(&self) {
        let mut q = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        q.1 = true;
        self.more.notify_all();
    }

    /// The next part; `None` once the reading is over and every part taken. With `wait`, waits
    /// for a part (or the end); without, `None` also when none is there now.
    fn take(&self, wait: bool) -> Option<Part<'a>> {
        let mut q = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(part) = q.0.pop_front() {
                return Some(part);
            }
            if q.1 || !wait {
                return None;
            }
            q = self.more.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Reads the parts there are (waiting for more with `wait`), each item's result at its
    /// position.
    fn read(&self, wait: bool) -> Vec<(usize, Read)> {
        let mut out = Vec::new();
        while let Some((at, part)) = self.take(wait) {
            out.push((at, read_part(&part)));
        }
        out
    }
}

/// Closes its queue when dropped.
struct Closer<'q, 'a>(&'q Queue<'a>);

impl Drop for Closer<'_, '_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

fn read_part(part: &[&RawValue]) -> Read {
    part.iter()
        .map(|r| serde_json::from_str::<Item>(r.get()).map_err(|e| e.to_string()))
        .collect()
}

/// Where the reader of the outer object puts each item's raw text ([`Sink::push`]). Used on
/// the reading thread only; the second thread is asked for with the first full part, so a
/// small bundle is read on one thread.
pub(super) struct Sink<'s, 'e, 'a> {
    queue: &'e Queue<'a>,
    /// What the second thread read.
    theirs: &'e Mutex<Vec<(usize, Read)>>,
    scope: &'s rayon::Scope<'e>,
    filling: std::cell::RefCell<Filling<'a>>,
}

struct Filling<'a> {
    part: Vec<&'a RawValue>,
    /// Items pushed so far.
    count: usize,
    /// Whether the second thread was asked for.
    helped: bool,
}

impl<'a> Sink<'_, '_, 'a> {
    /// Hands on one item's raw text, the next in bundle order.
    pub(super) fn push(&self, raw: &'a RawValue) {
        let mut f = self.filling.borrow_mut();
        f.part.push(raw);
        f.count += 1;
        if f.part.len() < PART {
            return;
        }
        let part = std::mem::take(&mut f.part);
        self.queue.put((f.count - part.len(), part));
        if !f.helped && cores() >= 2 {
            f.helped = true;
            let (queue, theirs) = (self.queue, self.theirs);
            self.scope.spawn(move |_| {
                let read = queue.read(true);
                theirs
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(read);
            });
        }
    }
}

/// `then(outer(sink))`, the items `outer` pushes into `sink` read meanwhile on a second thread,
/// which goes on reading them while `then` runs; then the items not yet read, on both threads.
/// The items come back in the order they were pushed, each read or with the reason it is not
/// an item.
pub(super) fn read_while<'a, T, U: Send>(
    outer: impl FnOnce(&Sink<'_, '_, 'a>) -> T + Send,
    then: impl FnOnce(T) -> U + Send,
) -> (U, Read) {
    let queue = Queue {
        parts: Mutex::new((VecDeque::new(), false)),
        more: Condvar::new(),
    };
    let theirs = Mutex::new(Vec::new());
    let (made, mut parts) = rayon::in_place_scope(|scope| {
        let sink = Sink {
            queue: &queue,
            theirs: &theirs,
            scope,
            filling: std::cell::RefCell::new(Filling {
                part: Vec::new(),
                count: 0,
                helped: false,
            }),
        };
        // Closed however `outer` ends: were it to panic, the scope would otherwise wait for
        // ever for the second thread, which waits for parts.
        let closer = Closer(&queue);
        let made = outer(&sink);
        drop(closer);
        let Filling { part, count, .. } = sink.filling.into_inner();
        // The last part, taken by whichever thread comes to it (the queue is closed, so the
        // second thread no longer waits once it is empty).
        if !part.is_empty() {
            queue.put((count - part.len(), part));
        }
        let made = then(made);
        (made, queue.read(false))
    });
    parts.extend(theirs.into_inner().unwrap_or_else(|e| e.into_inner()));
    parts.sort_unstable_by_key(|(at, _)| *at);
    (made, parts.into_iter().flat_map(|(_, read)| read).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(i: usize) -> String {
        format!(
            r#"{{"type":"document","id":"{i:02x}","sha256":"{i:02x}","name":"d{i}","media_type":"text/plain","content":null}}"#
        )
    }

    /// A panic in the reading of the outer object ends the second thread's wait and comes
    /// out of `read_while`, instead of the scope waiting for ever.
    #[test]
    fn a_panic_while_reading_the_outer_object_does_not_hang() {
        let raws: Vec<Box<RawValue>> = (0..3 * PART)
            .map(|i| RawValue::from_string(doc(i)).expect("raw"))
            .collect();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_while(
                |sink| {
                    raws.iter().for_each(|r| sink.push(r));
                    panic!("the outer reading failed")
                },
                |()| (),
            )
        }));
        assert!(r.is_err());
    }

    /// Every item comes back once, in the order pushed, whatever the count (below a part, a
    /// part exactly, many parts and a rest), with a bad item's failure at its own place.
    #[test]
    fn items_come_back_in_order_with_failures_in_place() {
        for n in [0, 1, PART - 1, PART, PART + 1, 7 * PART + 5] {
            let texts: Vec<String> = (0..n)
                .map(|i| {
                    if i % 11 == 5 {
                        "{\"type\":\"x\"}".into()
                    } else {
                        doc(i)
                    }
                })
                .collect();
            let raws: Vec<Box<RawValue>> = texts
                .iter()
                .map(|t| RawValue::from_string(t.clone()).expect("raw"))
                .collect();
            let (count, read) = read_while(
                |sink| {
                    raws.iter().for_each(|r| sink.push(r));
                    raws.len()
                },
                |n| n,
            );
            assert_eq!(count, n);
            assert_eq!(read.len(), n);
            for (i, r) in read.iter().enumerate() {
                match r {
                    Ok(Item::Document { name, .. }) => assert_eq!(name, &format!("d{i}")),
                    Ok(other) => panic!("item {i}: {other:?}"),
                    Err(e) => assert!(i % 11 == 5, "item {i}: {e}"),
                }
            }
        }
    }
}
