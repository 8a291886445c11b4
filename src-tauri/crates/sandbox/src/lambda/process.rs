//! Function processes as the OS sees them: each runs in its own process group, dies with the
//! sandbox (parent-death signal), and is killed group and all — so no exit path of the sandbox,
//! clean or crashed, leaves an orphan behind. The parent-death signal reaches only the process
//! the sandbox started; what *that* process starts (a handler's `subprocess.Popen`, the real
//! runtime under a `bootstrap` shell script) is taken care of by a watcher: a small process
//! forked into the same group before exec, which waits for the sandbox to end and then kills
//! its whole group.

use std::time::Duration;

/// Makes `command` start a new process group that cannot outlive this process: the process
/// receives SIGKILL if the sandbox dies, and so does everything it starts (see the module docs).
pub fn contain(command: &mut tokio::process::Command) {
    command.process_group(0);
    command.kill_on_drop(true);
    #[cfg(target_os = "linux")]
    {
        let sandbox = std::process::id() as libc::pid_t;
        // SAFETY: the closure runs in the forked child before exec and only makes system calls
        // that are async-signal-safe (prctl, setpgid, fork, and in the watcher close_range,
        // chdir, pidfd_open, errno, poll, nanosleep, kill, _exit); it allocates nothing and touches no memory
        // of the parent beyond the copied `sandbox` pid.
        #[allow(unsafe_code)]
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                // The group must be this process's own before a watcher may kill it.
                if libc::setpgid(0, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                match libc::fork() {
                    -1 => Err(std::io::Error::last_os_error()),
                    0 => watch_and_kill_group(sandbox),
                    _ => Ok(()),
                }
            });
        }
    }
}

/// The watcher's whole life: let go of every file descriptor (the function's output pipes and
/// the spawn's status pipe must close when the function's process ends), wait for the sandbox
/// process to end, then kill the process group — the watcher included.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn watch_and_kill_group(sandbox: libc::pid_t) -> ! {
    // SAFETY: only async-signal-safe system calls, in a forked child that never returns into
    // Rust code of the parent: it ends by the signal it sends its own group, or by `_exit`.
    unsafe {
        if libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32) == -1 {
            for fd in 0..4096 {
                libc::close(fd);
            }
        }
        // Nor does it hold on to the function's code directory.
        libc::chdir(c"/".as_ptr());
        // Parent-death signals do not carry over a fork: the watcher follows the sandbox itself.
        // A pidfd turns readable when the process ends; if there is none (old kernels) or
        // polling it fails other than by a signal, ask every 100 ms instead of spinning.
        let pidfd = libc::syscall(libc::SYS_pidfd_open, sandbox, 0u32) as libc::c_int;
        let mut ended = libc::pollfd {
            fd: pidfd,
            events: libc::POLLIN,
            revents: 0,
        };
        let mut followed = pidfd >= 0;
        while followed {
            match libc::poll(&mut ended, 1, -1) {
                1 => break,
                -1 if *libc::__errno_location() != libc::EINTR => followed = false,
                _ => {}
            }
        }
        if !followed {
            let pause = libc::timespec {
                tv_sec: 0,
                tv_nsec: 100_000_000,
            };
            while libc::kill(sandbox, 0) == 0 {
                libc::nanosleep(&pause, std::ptr::null_mut());
            }
        }
        libc::kill(0, libc::SIGKILL);
        libc::_exit(0)
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

/// Asks the process `pid` to stop (SIGTERM).
pub fn terminate(pid: u32) {
    let Ok(pid) = i32::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) sends a signal; it has no memory effects.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(pid, libc::SIGTERM);
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
