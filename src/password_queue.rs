//! Admission for password checks: argon2id costs 19 MiB and tens of milliseconds of one core
//! per check, so a burst of sign-ins must queue for the cores instead of all running at once.
//!
//! Two bounds, both fixed at startup:
//!
//! 1. **At most `workers` checks run at once** (about the number of cores): more would not
//!    finish sooner, only hold more 19 MiB buffers at the same time.
//! 2. **At most `queue` more wait.** Beyond that an attempt is refused at once with
//!    [`Error::Busy`] (503 with Retry-After), before it costs memory or a thread: a storm is
//!    answered quickly instead of being held in memory.

use std::time::Duration;

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// How many password checks run at once, and how many may wait for a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordQueuePolicy {
    pub workers: usize,
    pub queue: usize,
}

impl Default for PasswordQueuePolicy {
    /// One check per core, and four per core waiting: a wait of at most a few hundred
    /// milliseconds at 19 MiB and two passes.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            workers: cores,
            queue: 4 * cores,
        }
    }
}

/// How long a refused client is asked to wait before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

pub struct PasswordQueue {
    /// Permits for running and waiting checks together; `try_acquire` so nobody waits for it.
    admitted: Arc<Semaphore>,
    /// Permits for running checks.
    running: Arc<Semaphore>,
}

impl PasswordQueue {
    pub fn new(policy: PasswordQueuePolicy) -> Self {
        let workers = policy.workers.max(1);
        Self {
            admitted: Arc::new(Semaphore::new(workers + policy.queue)),
            running: Arc::new(Semaphore::new(workers)),
        }
    }

    /// Runs `check` on a blocking thread when a worker is free, or refuses at once with
    /// [`Error::Busy`] when the queue is full.
    ///
    /// The permits go with the check onto its thread: a request dropped mid-check (a client
    /// that hangs up) cannot start another while its argon2 still runs, since a blocking task
    /// is not cancelled with the future that awaited it.
    pub async fn run<T, F>(&self, check: F) -> Result<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Error::Busy(RETRY_AFTER.as_secs()))?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|error| Error::Internal(format!("password queue closed: {error}")))?;
        tokio::task::spawn_blocking(move || {
            let _permits = (admitted, running);
            check()
        })
        .await
        .map_err(|error| Error::Internal(format!("password check: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_whose_request_hung_up_keeps_its_place_until_it_finishes() {
        let queue = Arc::new(PasswordQueue::new(PasswordQueuePolicy {
            workers: 1,
            queue: 0,
        }));
        let (started, release) = (
            Arc::new(std::sync::Barrier::new(2)),
            Arc::new(std::sync::Barrier::new(2)),
        );
        let abandoned = {
            let (queue, started, release) = (queue.clone(), started.clone(), release.clone());
            tokio::spawn(async move {
                queue
                    .run(move || {
                        started.wait();
                        release.wait();
                    })
                    .await
            })
        };
        tokio::task::spawn_blocking({
            let started = started.clone();
            move || started.wait()
        })
        .await
        .unwrap();
        abandoned.abort(); // the client hangs up while its check runs
        let _ = abandoned.await;
        assert!(
            matches!(queue.run(|| ()).await, Err(Error::Busy(_))),
            "the running check still holds its place"
        );
        tokio::task::spawn_blocking(move || release.wait())
            .await
            .unwrap();
        // Once it finished, the place is free again (the blocking thread drops the permits).
        let mut admitted = false;
        for _ in 0..100 {
            if queue.run(|| ()).await.is_ok() {
                admitted = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(admitted);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_runs_at_most_workers_at_once_and_refuses_beyond_the_queue() {
        let queue = Arc::new(PasswordQueue::new(PasswordQueuePolicy {
            workers: 2,
            queue: 3,
        }));
        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let attempts = (0..20).map(|_| {
            let (queue, running, peak) = (queue.clone(), running.clone(), peak.clone());
            tokio::spawn(async move {
                queue
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(50));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
            })
        });
        // All twenty are started before the first can finish (each holds its worker 50 ms).
        let outcomes: Vec<_> = futures_join_all(attempts).await;
        let done = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
        let busy = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(Error::Busy(1))))
            .count();
        assert_eq!(done + busy, 20);
        assert!(
            (5..20).contains(&done),
            "the workers and the queue were served, the rest refused: {done} done"
        );
        assert!(
            peak.load(Ordering::SeqCst) <= 2,
            "never more than two at once"
        );
        // Once the burst is over, checks are admitted again.
        assert!(queue.run(|| ()).await.is_ok());
    }

    async fn futures_join_all<T>(
        handles: impl Iterator<Item = tokio::task::JoinHandle<Result<T>>>,
    ) -> Vec<Result<T>> {
        let mut outcomes = Vec::new();
        for handle in handles.collect::<Vec<_>>() {
            outcomes.push(handle.await.expect("task"));
        }
        outcomes
    }
}
