//! The debug line each collection writes under `metrics.ops`, in Kibana's format:
//! `memory: 123.4MB uptime: 0:01:02 load: [0.10,0.20,0.30] delay: 1.234`. As in Kibana, a value
//! that is unavailable (zero, or no load averages) is left out of the message.

use serde_json::{Value, json};

use super::OpsMetrics;

/// `bytes` as numeral.js's `0.0b` format writes it: decimal units (1 KB = 1000 B), one decimal.
fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 9] = ["B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1}{}", UNITS[unit])
}

/// `seconds` as numeral.js's `00:00:00` format writes it: hours unpadded, then minutes and
/// seconds on two digits.
fn format_uptime(seconds: u64) -> String {
    format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The message of the ops metrics line.
///
/// # Arguments
///
/// * `metrics` - one collection.
pub(crate) fn ops_metrics_message(metrics: &OpsMetrics) -> String {
    let mut message = String::new();
    let memory = metrics.process.memory.resident_set_size_in_bytes;
    if memory != 0 {
        message.push_str(&format!("memory: {} ", format_bytes(memory)));
    }
    let uptime = metrics.process.uptime_in_millis / 1000;
    if uptime != 0 {
        message.push_str(&format!("uptime: {} ", format_uptime(uptime)));
    }
    if let Some(load) = &metrics.os.load {
        message.push_str(&format!(
            "load: [{:.2},{:.2},{:.2}] ",
            load.one, load.five, load.fifteen
        ));
    }
    let delay = metrics.process.event_loop_delay;
    if delay != 0.0 {
        message.push_str(&format!("delay: {delay:.3}"));
    }
    message
}

/// The metadata of the ops metrics line, in Kibana's ECS shape: `event` (a metric about the
/// process and the host), `process` (uptime in seconds, memory, event loop delay) and
/// `host.os.load`.
///
/// # Arguments
///
/// * `metrics` - one collection.
pub(crate) fn ops_metrics_meta(metrics: &OpsMetrics) -> Value {
    let load = metrics.os.load.as_ref();
    json!({
        "event": {
            "kind": "metric",
            "category": ["process", "host"],
            "type": ["info"],
        },
        "process": {
            "uptime": metrics.process.uptime_in_millis / 1000,
            "memory": { "rss": { "bytes": metrics.process.memory.resident_set_size_in_bytes } },
            "eventLoopDelay": metrics.process.event_loop_delay,
        },
        "host": {
            "os": {
                "load": {
                    "1m": load.map(|load| load.one),
                    "5m": load.map(|load| load.five),
                    "15m": load.map(|load| load.fifteen),
                },
            },
        },
    })
}

/// Kibana's `get_ops_metrics_log.test.ts`, test by test (the process memory printed is the
/// resident set size: there is no JavaScript heap here).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{OsLoad, OsMetrics, ProcessMemory, ProcessMetrics};

    fn base_ops_metrics() -> OpsMetrics {
        let mut metrics = OpsMetrics::default();
        metrics.process.memory.resident_set_size_in_bytes = 1;
        metrics.process.event_loop_delay = 1.0;
        metrics.process.pid = 1;
        metrics.process.uptime_in_millis = 1;
        metrics.os.load = Some(OsLoad {
            one: 1.0,
            five: 1.0,
            fifteen: 1.0,
        });
        metrics
    }

    fn test_metrics() -> OpsMetrics {
        let mut metrics = base_ops_metrics();
        metrics.process = ProcessMetrics {
            memory: ProcessMemory {
                resident_set_size_in_bytes: 100,
            },
            uptime_in_millis: 1500,
            event_loop_delay: 50.0,
            ..ProcessMetrics::default()
        };
        metrics.os.load = Some(OsLoad {
            one: 10.0,
            five: 20.0,
            fifteen: 30.0,
        });
        metrics
    }

    #[test]
    fn provides_correctly_formatted_message() {
        assert_eq!(
            ops_metrics_message(&test_metrics()),
            "memory: 100.0B uptime: 0:00:01 load: [10.00,20.00,30.00] delay: 50.000"
        );
    }

    #[test]
    fn correctly_formats_process_uptime() {
        assert_eq!(ops_metrics_meta(&test_metrics())["process"]["uptime"], 1);
    }

    #[test]
    fn excludes_values_from_the_message_if_unavailable() {
        let metrics = OpsMetrics {
            process: ProcessMetrics::default(),
            os: OsMetrics::default(),
            ..base_ops_metrics()
        };
        assert_eq!(ops_metrics_message(&metrics), "");
    }

    #[test]
    fn provides_an_ecs_compatible_response() {
        let metrics = base_ops_metrics();
        assert_eq!(
            ops_metrics_message(&metrics),
            "memory: 1.0B load: [1.00,1.00,1.00] delay: 1.000"
        );
        assert_eq!(
            ops_metrics_meta(&metrics),
            json!({
                "event": { "category": ["process", "host"], "kind": "metric", "type": ["info"] },
                "host": { "os": { "load": { "15m": 1.0, "1m": 1.0, "5m": 1.0 } } },
                "process": {
                    "eventLoopDelay": 1.0,
                    "memory": { "rss": { "bytes": 1 } },
                    "uptime": 0,
                },
            })
        );
    }

    #[test]
    fn logs_ecs_fields_in_the_log_meta() {
        let meta = ops_metrics_meta(&base_ops_metrics());
        assert_eq!(meta["event"]["kind"], "metric");
        assert_eq!(meta["event"]["category"], json!(["process", "host"]));
        assert_eq!(meta["event"]["type"], json!(["info"]));
    }

    #[test]
    fn formats_megabytes_and_hours_as_numeral_does() {
        assert_eq!(format_bytes(123_456_789), "123.5MB");
        assert_eq!(format_bytes(999), "999.0B");
        assert_eq!(format_uptime(62), "0:01:02");
        assert_eq!(format_uptime(90_061), "25:01:01");
    }
}
