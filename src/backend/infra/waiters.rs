//! Long-poll waiters: a held poll waits on its key (a device-code hash) until someone wakes it.
//! Infrastructure: imports nothing of the backend.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// Long-poll waiters, keyed by device-code hash.
#[derive(Default)]
pub struct Waiters(Mutex<HashMap<String, Arc<Notify>>>);

/// A held poll's registration; dropping it (answer sent, or client gone) releases the entry.
pub struct Hold<'a> {
    waiters: &'a Waiters,
    key: String,
    pub notify: Option<Arc<Notify>>,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        if let Some(n) = self.notify.take() {
            self.waiters.release(&self.key, n);
        }
    }
}

impl Waiters {
    pub fn hold(&self, key: &str) -> Hold<'_> {
        Hold {
            waiters: self,
            key: key.to_owned(),
            notify: Some(self.get(key)),
        }
    }

    fn get(&self, key: &str) -> Arc<Notify> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_owned())
            .or_default()
            .clone()
    }
    /// Drops the entry once no other poll holds it, so finished long-polls leave nothing behind.
    fn release(&self, key: &str, notify: Arc<Notify>) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Two references: the map's and this poll's. More means another poll still waits.
        if m.get(key).is_some_and(|n| Arc::ptr_eq(n, &notify)) && Arc::strong_count(&notify) <= 2 {
            m.remove(key);
        }
    }

    /// How many device codes have polls held right now.
    pub fn held(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Wakes every held poll (the server is stopping: nobody should wait for it).
    pub fn wake_all(&self) {
        for (_, n) in self.0.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            n.notify_waiters();
        }
    }

    /// Wakes every poll held on this device code.
    pub fn wake(&self, key: &str) {
        if let Some(n) = self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key) {
            n.notify_waiters();
        }
    }
}
