//! Lambda's resource model: a function gets CPU in proportion to its memory — one vCPU at
//! 1,769 MB, less below (a 128 MB function has about 7% of one), more cores above. On AWS that
//! share is a CPU bandwidth limit (Linux's CFS quota): in each 100 ms period the function may
//! run for its share of the period at full speed, then waits for the next. Where the sandbox
//! may make CPU cgroups, the kernel applies that very limit ([`super::cgroup`]); elsewhere this
//! module emulates it: it measures the CPU time each invocation used (the function's process and its children, from
//! `/proc/…/schedstat`, in nanoseconds) and charges it to a [`Budget`] that refills at the
//! share and holds at most one period's quota; what the budget cannot pay for is earned by
//! holding the answer. A short invocation that fits in the quota runs at full speed, as on
//! AWS; a CPU-bound one is about 1,769 / memory times slower; waiting (on DynamoDB, say) costs
//! no CPU. At 1,769 MB and above nothing is held: the host's cores run the code as fast as they
//! can.

use std::time::Duration;

/// The memory that buys one vCPU.
pub const MB_PER_VCPU: f64 = 1769.0;

/// The share of vCPUs a function of `memory_mb` gets.
pub fn vcpus(memory_mb: u32) -> f64 {
    f64::from(memory_mb) / MB_PER_VCPU
}

/// The period of the CPU bandwidth limit, as Linux's CFS uses by default.
pub const PERIOD: Duration = Duration::from_millis(100);

/// An environment's CPU bandwidth: the CPU time it may still use at full speed.
#[derive(Debug, Clone)]
pub struct Budget {
    share: f64,
    /// Seconds of CPU time available.
    available: f64,
    /// When `available` was last brought up to date.
    updated: std::time::Instant,
}

impl Budget {
    /// A full budget for a function of `memory_mb`, or `None` when its share is a whole vCPU
    /// or more (nothing is ever held).
    pub fn of(memory_mb: u32) -> Option<Self> {
        let share = vcpus(memory_mb);
        (share < 1.0).then(|| Self {
            share,
            available: share * PERIOD.as_secs_f64(),
            updated: std::time::Instant::now(),
        })
    }

    /// Charges an invocation that used `cpu` and finished `now`; how long its answer must be
    /// held to earn what the budget could not pay.
    pub fn charge(&mut self, cpu: Duration, now: std::time::Instant) -> Duration {
        let quota = self.share * PERIOD.as_secs_f64();
        let refilled = now.saturating_duration_since(self.updated).as_secs_f64() * self.share;
        self.available = (self.available + refilled).min(quota);
        let used = cpu.as_secs_f64();
        if used <= self.available {
            self.available -= used;
            self.updated = now;
            return Duration::ZERO;
        }
        let hold = Duration::from_secs_f64((used - self.available) / self.share);
        self.available = 0.0;
        self.updated = now + hold;
        hold
    }
}

/// The CPU time the process `pid`, its threads and the processes under it have used, from
/// `/proc`; `None` where `/proc` cannot tell (another platform, a process gone).
pub fn cpu_time(pid: u32) -> Option<Duration> {
    const MOST_PROCESSES: usize = 256;
    let mut total = 0u64;
    let mut pending = vec![pid];
    let mut seen = 0;
    let mut first = true;
    while let Some(pid) = pending.pop() {
        seen += 1;
        if seen > MOST_PROCESSES {
            break;
        }
        let tasks = match std::fs::read_dir(format!("/proc/{pid}/task")) {
            Ok(tasks) => tasks,
            Err(_) if first => return None,
            Err(_) => continue,
        };
        first = false;
        for task in tasks.flatten() {
            let path = task.path();
            if let Some(nanos) = std::fs::read_to_string(path.join("schedstat"))
                .ok()
                .and_then(|text| text.split_whitespace().next()?.parse::<u64>().ok())
            {
                total += nanos;
            }
            if let Ok(children) = std::fs::read_to_string(path.join("children")) {
                pending.extend(
                    children
                        .split_whitespace()
                        .filter_map(|c| c.parse::<u32>().ok()),
                );
            }
        }
    }
    Some(Duration::from_nanos(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_work_fits_the_quota_and_long_work_waits_for_its_share() {
        assert!(Budget::of(1769).is_none() && Budget::of(3008).is_none());
        let start = std::time::Instant::now();
        let mut budget = Budget::of(128).unwrap();
        // 128 MB: 7.2 ms of a 100 ms period at full speed.
        assert_eq!(
            budget.charge(Duration::from_millis(5), start),
            Duration::ZERO
        );
        let hold = budget.charge(Duration::from_millis(100), start);
        let expected = (0.100 - (0.0072 - 0.005)) / (128.0 / 1769.0);
        assert!((hold.as_secs_f64() - expected).abs() < 0.002, "{hold:?}");
        // Right after, nothing is left: even a little work waits.
        let after = start + hold;
        assert!(budget.charge(Duration::from_millis(1), after) > Duration::ZERO);
        // A second later the quota is full again, and no more.
        let later = after + Duration::from_secs(2);
        assert_eq!(
            budget.charge(Duration::from_millis(7), later),
            Duration::ZERO
        );
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        let mut spin = 0u64;
        for n in 0..2_000_000u64 {
            spin = spin.wrapping_add(n * n);
        }
        assert!(spin > 0);
        let used = cpu_time(std::process::id()).expect("/proc is there on Linux");
        assert!(used > Duration::ZERO);
        assert_eq!(cpu_time(u32::MAX), None);
    }
}
