//! ISO-8601 UTC timestamps with milliseconds (`2026-11-28T02:56:22.256Z`), the format every
//! layout prints.

use time::OffsetDateTime;

/// Formats timestamps, caching the date-and-time part of the last second seen: consecutive
/// records mostly share it, so a record usually costs three digits.
#[derive(Debug, Default)]
pub(crate) struct TimestampFormatter {
    cached_second: Option<i64>,
    /// `YYYY-MM-DDTHH:MM:SS.` for `cached_second`.
    prefix: String,
}

impl TimestampFormatter {
    /// Appends the timestamp for `millis` since the Unix epoch to `out`.
    pub(crate) fn write(&mut self, millis: i64, out: &mut Vec<u8>) {
        let second = millis.div_euclid(1000);
        let milli = millis.rem_euclid(1000);
        if self.cached_second != Some(second) {
            self.prefix = format_second(second);
            self.cached_second = Some(second);
        }
        out.extend_from_slice(self.prefix.as_bytes());
        // `milli` is in 0..1000, so these are single digits.
        out.extend_from_slice(&[
            b'0' + (milli / 100) as u8,
            b'0' + (milli / 10 % 10) as u8,
            b'0' + (milli % 10) as u8,
            b'Z',
        ]);
    }
}

fn format_second(second: i64) -> String {
    // Out-of-range clocks (beyond year 9999) print as the epoch rather than failing a log call.
    let at = OffsetDateTime::from_unix_timestamp(second).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::TimestampFormatter;

    fn format(formatter: &mut TimestampFormatter, millis: i64) -> String {
        let mut out = Vec::new();
        formatter.write(millis, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats_iso_8601_utc_with_millis() {
        let mut formatter = TimestampFormatter::default();
        assert_eq!(format(&mut formatter, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format(&mut formatter, 1_795_834_582_256),
            "2026-11-28T02:56:22.256Z"
        );
        // Same second from the cache, then the next second.
        assert_eq!(
            format(&mut formatter, 1_795_834_582_007),
            "2026-11-28T02:56:22.007Z"
        );
        assert_eq!(
            format(&mut formatter, 1_795_834_583_999),
            "2026-11-28T02:56:23.999Z"
        );
        assert_eq!(
            format(&mut formatter, 951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
    }
}
