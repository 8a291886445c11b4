//! The warm environments of one function version. An invocation takes an idle, living one if
//! there is one and gives it back afterwards; updating or deleting the version bumps the pool's
//! generation, so environments started for older code are stopped instead of reused. The pool
//! knows environments only through [`Warm`], so its rules are tested without processes.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::environment::Environment;

/// What the pool needs to know of an environment.
pub trait Warm {
    /// Whether its process still runs.
    fn is_alive(&mut self) -> bool;
    /// When it last finished an invocation.
    fn last_used(&self) -> Instant;
}

impl Warm for Environment {
    fn is_alive(&mut self) -> bool {
        Environment::is_alive(self)
    }

    fn last_used(&self) -> Instant {
        self.last_used
    }
}

/// The idle environments of one version; dropping an environment stops it.
#[derive(Debug)]
pub struct Pool<E = Environment> {
    idle: Mutex<Vec<E>>,
    generation: AtomicU64,
}

impl<E> Default for Pool<E> {
    fn default() -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            generation: AtomicU64::new(0),
        }
    }
}

impl<E: Warm> Pool<E> {
    /// The generation an invocation starting now belongs to.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The most recently used idle environment that is still alive; dead ones are dropped.
    pub fn take(&self) -> Option<E> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(mut environment) = idle.pop() {
            if environment.is_alive() {
                return Some(environment);
            }
        }
        None
    }

    /// Keeps `environment` for the next invocation, if it is alive and was started for the
    /// current `generation`; otherwise it is dropped (and so stopped).
    pub fn give_back(&self, mut environment: E, generation: u64) {
        if generation == self.generation() && environment.is_alive() {
            self.idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(environment);
        }
    }

    /// Stops the environments idle for longer than `limit`; returns how many.
    pub fn reap(&self, limit: Duration) -> usize {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        let before = idle.len();
        idle.retain(|environment| environment.last_used().elapsed() <= limit);
        before - idle.len()
    }

    /// Stops every idle environment, and those still running once they finish.
    pub fn retire(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let retired: Vec<E> =
            std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        drop(retired);
    }

    /// How many environments are idle.
    #[cfg(test)]
    fn idle(&self) -> usize {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// An environment whose process is a flag.
    struct Fake {
        name: &'static str,
        alive: Arc<AtomicBool>,
        last_used: Instant,
    }

    impl Warm for Fake {
        fn is_alive(&mut self) -> bool {
            self.alive.load(Ordering::SeqCst)
        }

        fn last_used(&self) -> Instant {
            self.last_used
        }
    }

    fn fake(name: &'static str) -> (Fake, Arc<AtomicBool>) {
        let alive = Arc::new(AtomicBool::new(true));
        let environment = Fake {
            name,
            alive: alive.clone(),
            last_used: Instant::now(),
        };
        (environment, alive)
    }

    #[test]
    fn the_last_environment_given_back_is_taken_first() {
        let pool = Pool::default();
        let generation = pool.generation();
        pool.give_back(fake("first").0, generation);
        pool.give_back(fake("second").0, generation);
        assert_eq!(pool.take().map(|e| e.name), Some("second"));
        assert_eq!(pool.take().map(|e| e.name), Some("first"));
        assert!(pool.take().is_none());
    }

    #[test]
    fn a_dead_environment_is_never_handed_out() {
        let pool = Pool::default();
        let (dead, alive) = fake("dead");
        pool.give_back(fake("living").0, pool.generation());
        pool.give_back(dead, pool.generation());
        alive.store(false, Ordering::SeqCst);
        assert_eq!(pool.take().map(|e| e.name), Some("living"));
        assert_eq!(pool.idle(), 0, "the dead one was dropped on the way");
    }

    #[test]
    fn an_environment_of_retired_code_is_not_kept() {
        let pool = Pool::default();
        pool.give_back(fake("idle").0, pool.generation());
        let started_for = pool.generation();
        pool.retire();
        assert_eq!(pool.idle(), 0, "retiring stops the idle ones");
        pool.give_back(fake("was running").0, started_for);
        assert!(
            pool.take().is_none(),
            "one started for the old code is stopped"
        );
        pool.give_back(fake("new").0, pool.generation());
        assert_eq!(pool.take().map(|e| e.name), Some("new"));
    }

    #[test]
    fn reaping_stops_only_environments_idle_too_long() {
        let pool = Pool::default();
        let (mut old, _) = fake("old");
        old.last_used = Instant::now() - Duration::from_secs(600);
        pool.give_back(old, pool.generation());
        pool.give_back(fake("recent").0, pool.generation());
        assert_eq!(pool.reap(Duration::from_secs(300)), 1);
        assert_eq!(pool.take().map(|e| e.name), Some("recent"));
    }
}
