//! Function processes as the OS sees them: each runs in its own process group, dies with the
//! sandbox (parent-death signal), and is killed group and all — so no exit path of the sandbox,
//! clean or crashed, leaves an orphan behind.

use std::time::Duration;

/// Makes `command` start a new process group and receive SIGKILL if the sandbox dies.
pub fn contain(command: &mut tokio::process::Command) {
    command.process_group(0);
    command.kill_on_drop(true);
    #[cfg(target_os = "linux")]
    {
        // SAFETY: the closure runs in the forked child before exec and only calls
        // prctl(2), which is async-signal-safe; it touches no memory of the parent.
        #[allow(unsafe_code)]
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

/// Kills every process in the group `pid` leads.
pub fn kill_group(pid: u32) {
    let Ok(pid) = i32::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals that process group; it has no memory effects.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

/// The peak resident memory of `pid` in MB, from /proc (`VmHWM`).
pub fn peak_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}

/// Formats a duration as AWS's log lines do: milliseconds with two decimals.
pub fn millis(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64() * 1000.0)
}

/// The processes whose working directory lies under `dir` — function processes run in their
/// code directory, so this finds any that outlived their sandbox.
pub fn processes_under(dir: &std::path::Path) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cwd) = std::fs::read_link(entry.path().join("cwd"))
            && cwd.starts_with(dir)
            && let Ok(pid) = entry.file_name().to_string_lossy().parse()
        {
            found.push(pid);
        }
    }
    found
}
