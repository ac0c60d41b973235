//! The validation cache: what a token was found to be, kept for a short while so that most
//! requests validate without a database round-trip, and forgotten the moment it stops being
//! true.
//!
//! Three rules make a cached answer safe:
//!
//! 1. **Forget after commit.** Whoever ends a session removes its entry *after* the database
//!    committed the change, so the very next request on that server reads the ended row.
//! 2. **Fence every fill.** A request that missed the cache reads the database and then
//!    inserts what it read. If an invalidation lands between the read and the insert, the read
//!    may be of the live row from before the commit; inserting it would resurrect the session.
//!    So a fill takes a [`Ticket`] *before* reading, and the insert is refused if any
//!    invalidation happened since. The check and the insert happen under the same lock as the
//!    invalidation's bump-and-remove, so no interleaving slips between them.
//! 3. **Bounded even when deaf.** Entries live at most `ttl` from the moment their answer was
//!    read from the database: a served entry changed in memory (a touch, a loaded viewer) is
//!    put back with [`ValidationCache::update`], which keeps its fill time, so no amount of use
//!    stretches an answer past the TTL. Other servers' terminations arrive as invalidation
//!    events (PostgreSQL NOTIFY); if those are lost, the TTL still bounds how long a dead
//!    session can be served. While the event feed is down the cache is switched
//!    off altogether, and switching it back on starts from empty.

use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use quick_cache::sync::Cache;

/// How long answers are kept and how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachePolicy {
    /// The longest a cached answer is served. Zero switches the cache off.
    pub ttl: Duration,
    /// Entries kept at most (least recently used go first).
    pub capacity: usize,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(2),
            capacity: 100_000,
        }
    }
}

impl CachePolicy {
    pub fn is_enabled(&self) -> bool {
        !self.ttl.is_zero() && self.capacity > 0
    }
}

/// Proof of when a fill started: the invalidation epoch before it read the database.
#[derive(Clone, Copy, Debug)]
#[must_use = "a ticket is what makes the later insert safe"]
pub struct Ticket(u64);

#[derive(Clone)]
struct Entry<V> {
    value: V,
    filled_at: Instant,
}

pub struct ValidationCache<K, V> {
    entries: Cache<K, Entry<V>>,
    ttl: Duration,
    /// Bumped by every invalidation, under `fence`. Read without the lock when a ticket is
    /// taken: a stale read only makes the later insert more likely to be refused.
    epoch: AtomicU64,
    /// Whether fills may land: false while the invalidation feed is down (or before it first
    /// came up). Every epoch bump happens under this lock.
    enabled: Mutex<bool>,
}

impl<K, V> ValidationCache<K, V>
where
    K: Eq + Hash + Clone,
    V: Clone,
{
    /// A cache that serves answers at once (`enabled`), or only after [`Self::resume`] — for a
    /// store whose invalidation feed must come up first.
    pub fn new(policy: CachePolicy, enabled: bool) -> Self {
        Self {
            entries: Cache::new(policy.capacity.max(1)),
            ttl: policy.ttl,
            epoch: AtomicU64::new(0),
            enabled: Mutex::new(enabled && policy.is_enabled()),
        }
    }

    /// The cached answer for `key`, if it is younger than the TTL.
    pub fn get(&self, key: &K) -> Option<V> {
        let entry = self.entries.get(key)?;
        (entry.filled_at.elapsed() < self.ttl).then_some(entry.value)
    }

    /// Take before reading the database for a fill (or before using a cached answer that is
    /// about to be re-inserted with changes).
    pub fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::SeqCst))
    }

    /// Caches `value` for `key`, unless anything was invalidated since `ticket` was taken or the
    /// cache is off. Returns whether it was kept.
    pub fn insert(&self, ticket: Ticket, key: K, value: V) -> bool {
        let enabled = self.lock();
        if !*enabled || self.epoch.load(Ordering::SeqCst) != ticket.0 {
            return false;
        }
        self.entries.insert(
            key,
            Entry {
                value,
                filled_at: Instant::now(),
            },
        );
        true
    }

    /// Puts back a changed copy of a served entry, keeping the time its answer was read from
    /// the database (rule 3). Does nothing when the entry is gone, has expired, or anything was
    /// invalidated since `ticket`. Returns whether it was kept.
    pub fn update(&self, ticket: Ticket, key: K, value: V) -> bool {
        let enabled = self.lock();
        if !*enabled || self.epoch.load(Ordering::SeqCst) != ticket.0 {
            return false;
        }
        let Some(filled_at) = self
            .entries
            .get(&key)
            .map(|entry| entry.filled_at)
            .filter(|filled_at| filled_at.elapsed() < self.ttl)
        else {
            return false;
        };
        self.entries.insert(key, Entry { value, filled_at });
        true
    }

    /// Forgets these keys. Call after the change that made them stale has committed.
    pub fn invalidate<'a>(&self, keys: impl IntoIterator<Item = &'a K>)
    where
        K: 'a,
    {
        let _enabled = self.lock();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        for key in keys {
            self.entries.remove(key);
        }
    }

    /// Forgets everything (a change too large to name key by key).
    pub fn invalidate_all(&self) {
        let _enabled = self.lock();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.entries.clear();
    }

    /// The invalidation feed went down: changes may now go unheard, so nothing is served from
    /// or added to the cache until [`Self::resume`].
    pub fn suspend(&self) {
        let mut enabled = self.lock();
        *enabled = false;
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.entries.clear();
    }

    /// The feed is listening again: start caching, from empty (anything read while deaf is
    /// refused by the epoch bump).
    pub fn resume(&self) {
        let mut enabled = self.lock();
        *enabled = self.ttl > Duration::ZERO;
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.entries.clear();
    }

    pub fn is_enabled(&self) -> bool {
        *self.lock()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, bool> {
        // The lock guards no invariant a panic could break halfway (a bool and removals), so a
        // poisoned lock is still good.
        self.enabled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(ttl_ms: u64) -> ValidationCache<u32, &'static str> {
        ValidationCache::new(
            CachePolicy {
                ttl: Duration::from_millis(ttl_ms),
                capacity: 100,
            },
            true,
        )
    }

    #[test]
    fn a_fill_lands_and_is_served() {
        let cache = cache(60_000);
        let ticket = cache.ticket();
        assert!(cache.insert(ticket, 1, "live"));
        assert_eq!(cache.get(&1), Some("live"));
    }

    #[test]
    fn a_fill_that_read_before_an_invalidation_is_refused() {
        let cache = cache(60_000);
        let ticket = cache.ticket();
        // ...the fill reads the live row; meanwhile the session is ended and forgotten...
        cache.invalidate(&[1]);
        assert!(!cache.insert(ticket, 1, "live"));
        assert_eq!(cache.get(&1), None);
        // A fill that starts afterwards reads the ended row and may cache normally.
        let later = cache.ticket();
        assert!(cache.insert(later, 2, "other"));
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = cache(30);
        assert!(cache.insert(cache.ticket(), 1, "live"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn an_updated_entry_still_expires_when_its_first_answer_does() {
        let cache = cache(60);
        assert!(cache.insert(cache.ticket(), 1, "read"));
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.update(cache.ticket(), 1, "touched"));
        assert_eq!(cache.get(&1), Some("touched"));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(cache.get(&1), None, "an update must not renew the TTL");
        assert!(
            !cache.update(cache.ticket(), 1, "touched again"),
            "an expired entry is not brought back"
        );
    }

    #[test]
    fn nothing_is_kept_while_suspended_and_resuming_starts_empty() {
        let cache = cache(60_000);
        assert!(cache.insert(cache.ticket(), 1, "live"));
        let before_drop = cache.ticket();
        cache.suspend();
        assert_eq!(cache.get(&1), None);
        assert!(!cache.insert(cache.ticket(), 1, "live"));
        let while_deaf = cache.ticket();
        cache.resume();
        assert!(!cache.insert(before_drop, 1, "live"));
        assert!(!cache.insert(while_deaf, 1, "live"));
        assert!(cache.insert(cache.ticket(), 1, "live"));
    }

    #[test]
    fn a_zero_ttl_switches_the_cache_off() {
        let cache = cache(0);
        assert!(!cache.insert(cache.ticket(), 1, "live"));
        cache.resume();
        assert!(!cache.is_enabled());
    }
}
