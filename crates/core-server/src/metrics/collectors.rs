//! What one collection reads: the process and the OS from `/proc` (Linux), the async runtime
//! from tokio's stable metrics. On another OS, or when a file cannot be read, the values it
//! would give stay `0` (or `None`), as Kibana leaves out what Node cannot tell.

use std::time::{Duration, Instant};

use super::{
    OsLoad, OsMemory, OsMetrics, ProcessCpu, ProcessMemory, ProcessMetrics, RuntimeMetrics,
};

/// Clock ticks per second in `/proc/*/stat` (`USER_HZ`): part of Linux's user ABI, `100` on
/// every architecture this builds for. Reading it with `sysconf` would need `unsafe`, which the
/// workspace forbids.
const USER_HZ: f64 = 100.0;

/// The numbers of `/proc/self/stat` a collection uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ProcStat {
    /// User plus system CPU time, in seconds.
    pub(crate) cpu_seconds: f64,
    /// When the process started, in seconds after boot.
    pub(crate) start_seconds: f64,
}

/// Reads `/proc/self/stat` text: the fields after the command name (which may hold spaces
/// and parentheses, hence the last `)`), `utime` and `stime` (14th, 15th) and `starttime`
/// (22nd).
///
/// # Arguments
///
/// * `text` - the file's content.
pub(crate) fn parse_proc_stat(text: &str) -> Option<ProcStat> {
    let rest = &text[text.rfind(')')? + 1..];
    // `rest` starts at the 3rd field (state).
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> Option<f64> { fields.get(n - 3)?.parse().ok() };
    Some(ProcStat {
        cpu_seconds: (field(14)? + field(15)?) / USER_HZ,
        start_seconds: field(22)? / USER_HZ,
    })
}

/// A `key: <number> kB` line of `/proc/meminfo` or `/proc/self/status`, in bytes.
///
/// # Arguments
///
/// * `text` - the file's content.
/// * `key` - the key, e.g. `MemTotal`.
pub(crate) fn kilobytes(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        let kb: u64 = value.split_whitespace().next()?.parse().ok()?;
        Some(kb * 1024)
    })
}

/// The three load averages of `/proc/loadavg`.
///
/// # Arguments
///
/// * `text` - the file's content.
pub(crate) fn parse_loadavg(text: &str) -> Option<OsLoad> {
    let mut values = text.split_whitespace().map(str::parse::<f64>);
    Some(OsLoad {
        one: values.next()?.ok()?,
        five: values.next()?.ok()?,
        fifteen: values.next()?.ok()?,
    })
}

/// The first number of `/proc/uptime`: seconds since boot.
fn system_uptime_seconds() -> Option<f64> {
    read("/proc/uptime")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Reads the process and the OS between two collections; keeps the previous CPU reading to
/// turn CPU time into a percentage of the interval.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    previous_cpu: Option<(Instant, f64)>,
}

impl Collector {
    /// The process now, `event_loop_delay` being the runtime's measured scheduling delay.
    ///
    /// # Arguments
    ///
    /// * `event_loop_delay` - the delay measured for this collection.
    pub(crate) fn process(&mut self, event_loop_delay: Duration) -> ProcessMetrics {
        let stat = read("/proc/self/stat").and_then(|text| parse_proc_stat(&text));
        let rss = read("/proc/self/status")
            .and_then(|text| kilobytes(&text, "VmRSS"))
            .unwrap_or(0);
        let uptime_in_millis = match (stat, system_uptime_seconds()) {
            (Some(stat), Some(system)) => ((system - stat.start_seconds).max(0.0) * 1000.0) as u64,
            _ => 0,
        };
        let now = Instant::now();
        let cpu = stat.map(|stat| {
            let percent = match self.previous_cpu {
                Some((at, seconds)) if now > at => {
                    (stat.cpu_seconds - seconds).max(0.0) / (now - at).as_secs_f64() * 100.0
                }
                _ => 0.0,
            };
            self.previous_cpu = Some((now, stat.cpu_seconds));
            ProcessCpu {
                total_in_seconds: stat.cpu_seconds,
                percent,
            }
        });
        ProcessMetrics {
            memory: ProcessMemory {
                resident_set_size_in_bytes: rss,
            },
            cpu: cpu.unwrap_or_default(),
            event_loop_delay: event_loop_delay.as_secs_f64() * 1000.0,
            pid: std::process::id(),
            uptime_in_millis,
        }
    }

    /// The OS now.
    pub(crate) fn os(&self) -> OsMetrics {
        let meminfo = read("/proc/meminfo");
        let total = meminfo
            .as_deref()
            .and_then(|text| kilobytes(text, "MemTotal"))
            .unwrap_or(0);
        // What Node's `os.freemem()` reports on Linux: memory available without swapping.
        let free = meminfo
            .as_deref()
            .and_then(|text| kilobytes(text, "MemAvailable"))
            .unwrap_or(0);
        let release = read("/proc/sys/kernel/osrelease")
            .map(|text| text.trim().to_owned())
            .unwrap_or_default();
        OsMetrics {
            platform: std::env::consts::OS.to_owned(),
            platform_release: format!("{}-{release}", std::env::consts::OS),
            load: read("/proc/loadavg").and_then(|text| parse_loadavg(&text)),
            memory: OsMemory {
                total_in_bytes: total,
                free_in_bytes: free,
                used_in_bytes: total.saturating_sub(free),
            },
            uptime_in_millis: system_uptime_seconds()
                .map_or(0, |seconds| (seconds * 1000.0) as u64),
        }
    }
}

/// The runtime the collection runs on (tokio's stable metrics).
pub(crate) fn runtime(scheduling_delay: Duration) -> RuntimeMetrics {
    let metrics = tokio::runtime::Handle::current().metrics();
    RuntimeMetrics {
        workers: metrics.num_workers() as u64,
        alive_tasks: metrics.num_alive_tasks() as u64,
        global_queue_depth: metrics.global_queue_depth() as u64,
        scheduling_delay_in_millis: scheduling_delay.as_secs_f64() * 1000.0,
    }
}

/// Kibana's event loop delay, for a tokio runtime: how long this task waits to run again after
/// yielding, i.e. how long the tasks queued before it keep the runtime's workers busy.
pub(crate) async fn scheduling_delay() -> Duration {
    let before = Instant::now();
    tokio::task::yield_now().await;
    before.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_stat_with_a_command_name_holding_spaces_and_parentheses() {
        let text = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 1000 \
                    12345678 900 18446744073709551615";
        assert_eq!(
            parse_proc_stat(text),
            Some(ProcStat {
                cpu_seconds: 3.0,
                start_seconds: 10.0
            })
        );
        assert_eq!(parse_proc_stat("42 (truncated"), None);
    }

    #[test]
    fn reads_meminfo_and_loadavg() {
        let meminfo =
            "MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    8000000 kB\n";
        assert_eq!(kilobytes(meminfo, "MemTotal"), Some(16_000_000 * 1024));
        assert_eq!(kilobytes(meminfo, "MemAvailable"), Some(8_000_000 * 1024));
        assert_eq!(kilobytes(meminfo, "Mem"), None);
        assert_eq!(
            parse_loadavg("0.10 0.20 0.30 1/234 5678\n"),
            Some(OsLoad {
                one: 0.1,
                five: 0.2,
                fifteen: 0.3
            })
        );
        assert_eq!(parse_loadavg("0.10"), None);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn reads_this_process_and_os() {
        let mut collector = Collector::default();
        let process = collector.process(Duration::from_millis(2));
        assert!(process.memory.resident_set_size_in_bytes > 0);
        assert_eq!(process.pid, std::process::id());
        assert_eq!(process.event_loop_delay, 2.0);
        let os = collector.os();
        assert!(os.memory.total_in_bytes >= os.memory.free_in_bytes);
        assert!(os.load.is_some());
        assert_eq!(os.platform, "linux");
        assert!(runtime(Duration::ZERO).workers >= 1);
    }
}
