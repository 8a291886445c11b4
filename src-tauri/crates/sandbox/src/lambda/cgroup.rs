//! Lambda's CPU rule enforced by the kernel, where the sandbox may create CPU cgroups: each
//! execution environment runs in a group of its own whose CFS bandwidth limit is its share of
//! every 100 ms period (memory / 1,769 MB of one vCPU; above one vCPU, that many of the host's
//! cores) — exactly the limit AWS applies. cgroup v2 is used where a cgroup beside the sandbox's
//! own can be made with the `cpu` controller (a systemd user session delegates it), v1's `cpu`
//! hierarchy where it is mounted writable; anywhere else [`super::cpu`] emulates the rule.
//!
//! As in the emulation, a new environment's init and first invocation run at full speed (the
//! limit is set once its first invocation is over), so a cold start is not stretched.
//!
//! The sandbox's groups live under one group of its own, `serverless-lab-<pid>`: removed when
//! the sandbox stops, and swept at the next start when a crash left it behind.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::cpu::{PERIOD, vcpus};

/// Which cgroup interface a hierarchy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// The group the sandbox's environment groups are made in.
#[derive(Debug)]
pub struct CpuGroups {
    root: PathBuf,
    version: Version,
}

const PREFIX: &str = "serverless-lab-";

impl CpuGroups {
    /// A group of the sandbox's own, in the first hierarchy that allows it; none where no
    /// hierarchy does (the rule is then emulated).
    pub fn create() -> Option<Self> {
        let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        let mounts = Mounts::read(&mountinfo);
        let candidates = [
            mounts
                .v2
                .as_ref()
                .and_then(|mount| v2_parent(mount, &cgroups))
                .map(|dir| (dir, Version::V2)),
            mounts
                .v1_cpu
                .as_ref()
                .and_then(|mount| v1_dir(mount, &cgroups))
                .map(|dir| (dir, Version::V1)),
        ];
        for (parent, version) in candidates.into_iter().flatten() {
            sweep(&parent);
            let root = parent.join(format!("{PREFIX}{}", std::process::id()));
            match Self::make(&root, version) {
                Ok(groups) => {
                    tracing::info!(group = %root.display(), ?version, "Lambda's CPU rule is enforced by cgroups");
                    return Some(groups);
                }
                Err(error) => {
                    let _ = std::fs::remove_dir(&root);
                    tracing::debug!(group = %root.display(), %error, "no CPU cgroup here");
                }
            }
        }
        tracing::info!("no CPU cgroup can be made: Lambda's CPU rule is emulated");
        None
    }

    fn make(root: &Path, version: Version) -> std::io::Result<Self> {
        std::fs::create_dir(root)?;
        if version == Version::V2 {
            let controllers = std::fs::read_to_string(root.join("cgroup.controllers"))?;
            if !controllers.split_whitespace().any(|c| c == "cpu") {
                return Err(std::io::Error::other("the cpu controller is not delegated"));
            }
            write(&root.join("cgroup.subtree_control"), "+cpu")?;
        }
        let groups = Self {
            root: root.to_owned(),
            version,
        };
        // Proves the limit can be set before any function depends on it.
        let probe = groups.environment("probe")?;
        probe.limit(128)?;
        drop(probe);
        Ok(groups)
    }

    /// A group for the environment `id`, without a limit yet.
    pub fn environment(&self, id: &str) -> std::io::Result<CpuGroup> {
        let dir = self.root.join(id);
        std::fs::create_dir(&dir)?;
        Ok(CpuGroup {
            dir,
            version: self.version,
        })
    }

    pub fn version(&self) -> Version {
        self.version
    }
}

impl CpuGroup {
    /// Limits the group to the share of a function with `memory_mb`.
    pub fn limit(&self, memory_mb: u32) -> std::io::Result<()> {
        let group = self;
        let period = PERIOD.as_micros() as u64;
        // The kernel's smallest quota is 1 ms.
        let quota = ((vcpus(memory_mb) * period as f64) as u64).max(1_000);
        match self.version {
            Version::V2 => write(&group.dir.join("cpu.max"), &format!("{quota} {period}"))?,
            Version::V1 => {
                write(&group.dir.join("cpu.cfs_period_us"), &period.to_string())?;
                write(&group.dir.join("cpu.cfs_quota_us"), &quota.to_string())?;
            }
        }
        Ok(())
    }
}

impl Drop for CpuGroups {
    fn drop(&mut self) {
        remove_tree(&self.root, Duration::from_secs(2));
    }
}

/// One environment's group; removed (once its processes are gone) when dropped.
#[derive(Debug)]
pub struct CpuGroup {
    dir: PathBuf,
    version: Version,
}

impl CpuGroup {
    /// Moves the process `pid` (and so what it starts afterwards) into the group.
    pub fn add(&self, pid: u32) -> std::io::Result<()> {
        write(&self.dir.join("cgroup.procs"), &pid.to_string())
    }

    /// How long the group's processes have waited for their quota so far.
    pub fn throttled(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(self.dir.join("cpu.stat")).ok()?;
        let field = |name: &str| {
            stat.lines()
                .find_map(|line| line.strip_prefix(name)?.trim().parse::<u64>().ok())
        };
        match self.version {
            Version::V2 => field("throttled_usec ").map(Duration::from_micros),
            Version::V1 => field("throttled_time ").map(Duration::from_nanos),
        }
    }
}

impl Drop for CpuGroup {
    fn drop(&mut self) {
        // The environment's processes were just killed; they leave the group as they exit.
        let dir = std::mem::take(&mut self.dir);
        std::thread::spawn(move || remove_tree(&dir, Duration::from_secs(5)));
    }
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// Removes `dir` and the groups under it, retrying while processes are still leaving them.
fn remove_tree(dir: &Path, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    let _ = std::fs::remove_dir(entry.path());
                }
            }
        }
        match std::fs::remove_dir(dir) {
            Ok(()) => return,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return,
            Err(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(error) => {
                tracing::warn!(group = %dir.display(), %error, "a CPU cgroup was left behind");
                return;
            }
        }
    }
}

/// Removes the groups of sandboxes that are no longer running.
fn sweep(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(PREFIX))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            remove_tree(&entry.path(), Duration::ZERO);
        }
    }
}

/// Where the cgroup hierarchies are mounted.
#[derive(Debug, Default, PartialEq)]
struct Mounts {
    /// The unified (v2) hierarchy.
    v2: Option<PathBuf>,
    /// The v1 hierarchy with the `cpu` controller.
    v1_cpu: Option<PathBuf>,
}

impl Mounts {
    /// From `/proc/self/mountinfo`: `… mount-point … - fstype source super-options`.
    fn read(mountinfo: &str) -> Self {
        let mut mounts = Self::default();
        for line in mountinfo.lines() {
            let Some((before, after)) = line.split_once(" - ") else {
                continue;
            };
            let Some(point) = before.split(' ').nth(4) else {
                continue;
            };
            let mut after = after.split(' ');
            let (fstype, options) = (after.next(), after.nth(1).unwrap_or_default());
            match fstype {
                Some("cgroup2") if mounts.v2.is_none() => mounts.v2 = Some(point.into()),
                Some("cgroup") if options.split(',').any(|option| option == "cpu") => {
                    mounts.v1_cpu = Some(point.into());
                }
                _ => {}
            }
        }
        mounts
    }
}

/// v2: the parent of the sandbox's own group (a group with processes cannot hand controllers
/// to groups under it, so the sandbox's group goes beside its own).
fn v2_parent(mount: &Path, cgroups: &str) -> Option<PathBuf> {
    let own = cgroups
        .lines()
        .find_map(|line| line.strip_prefix("0::"))?
        .trim_start_matches('/');
    let dir = mount.join(own);
    if own.is_empty() {
        // At the root, which may hold processes and controllers alike.
        return Some(dir);
    }
    dir.parent().map(Path::to_owned)
}

/// v1: the sandbox's own group in the `cpu` hierarchy (v1 groups may hold processes and
/// subgroups at once).
fn v1_dir(mount: &Path, cgroups: &str) -> Option<PathBuf> {
    let own = cgroups.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|controller| controller == "cpu")
            .then_some(path)
    })?;
    Some(mount.join(own.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
25 30 0:22 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
28 25 0:25 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory";

    #[test]
    fn hierarchies_are_found_in_mountinfo() {
        assert_eq!(
            Mounts::read(MOUNTINFO),
            Mounts {
                v2: Some("/sys/fs/cgroup/unified".into()),
                v1_cpu: Some("/sys/fs/cgroup/cpu,cpuacct".into()),
            }
        );
    }

    #[test]
    fn the_sandbox_s_group_goes_beside_its_own_in_v2_and_under_it_in_v1() {
        let cgroups = "2:cpu,cpuacct:/user/app\n1:name=systemd:/x\n0::/user.slice/app.scope\n";
        assert_eq!(
            v2_parent(Path::new("/sys/fs/cgroup"), cgroups),
            Some("/sys/fs/cgroup/user.slice".into())
        );
        assert_eq!(
            v1_dir(Path::new("/sys/fs/cgroup/cpu"), cgroups),
            Some("/sys/fs/cgroup/cpu/user/app".into())
        );
        assert_eq!(
            v2_parent(Path::new("/sys/fs/cgroup"), "0::/\n"),
            Some("/sys/fs/cgroup".into())
        );
    }
}
