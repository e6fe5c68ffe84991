//! Remembers the ids of messages a consumer has finished, so a redelivery or a
//! publisher's retry of the same id is acknowledged without running the
//! handler again. Bounded: the oldest ids are forgotten first.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use uuid::Uuid;

pub(crate) struct Dedup {
    capacity: usize,
    state: Mutex<(HashSet<Uuid>, VecDeque<Uuid>)>,
}

impl Dedup {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            state: Mutex::new((HashSet::new(), VecDeque::new())),
        }
    }

    pub fn seen(&self, id: &Uuid) -> bool {
        self.state.lock().is_ok_and(|s| s.0.contains(id))
    }

    pub fn mark(&self, id: Uuid) {
        let Ok(mut s) = self.state.lock() else { return };
        if s.0.insert(id) {
            s.1.push_back(id);
            if s.1.len() > self.capacity
                && let Some(old) = s.1.pop_front()
            {
                s.0.remove(&old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_oldest_beyond_capacity() {
        let d = Dedup::new(2);
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
        for id in &ids {
            d.mark(*id);
        }
        assert!(!d.seen(&ids[0]));
        assert!(d.seen(&ids[1]) && d.seen(&ids[2]));
        d.mark(ids[2]);
        assert!(d.seen(&ids[1]));
    }
}
