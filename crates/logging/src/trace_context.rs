//! [`TraceParent`]: a W3C Trace Context `traceparent` value
//! (`00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`), parsed and formatted by hand.
//!
//! It lives here, beside the log correlation ids, because both core-http (which takes it from a
//! trusted client) and core-elasticsearch (which forwards it with every call) need it.

use std::fmt;
use std::sync::OnceLock;

/// A W3C `traceparent`: which trace a request belongs to and the span that caused it.
///
/// Parsing is strict (version `00`, lowercase hex, neither id all zeros, exactly 55
/// characters); anything else is not a `traceparent` and the request starts a new trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParent {
    trace_id: [u8; 16],
    parent_id: [u8; 8],
    flags: u8,
}

/// The `sampled` bit of the trace flags.
const SAMPLED: u8 = 0x01;

impl TraceParent {
    /// The length of a version `00` header value.
    pub const LEN: usize = 55;

    /// A new trace: random trace and parent ids, sampled.
    pub fn new_root() -> Self {
        let trace_id = non_zero(|| *uuid::Uuid::new_v4().as_bytes());
        Self {
            trace_id,
            parent_id: new_span_id(),
            flags: SAMPLED,
        }
    }

    /// A trace context from its parts (e.g. an OpenTelemetry span's ids); `None` when either
    /// id is all zeros.
    ///
    /// # Arguments
    ///
    /// * `trace_id` - the trace id's 16 bytes.
    /// * `parent_id` - the span id's 8 bytes.
    /// * `sampled` - whether the trace is sampled.
    pub fn from_parts(trace_id: [u8; 16], parent_id: [u8; 8], sampled: bool) -> Option<Self> {
        (trace_id != [0; 16] && parent_id != [0; 8]).then_some(Self {
            trace_id,
            parent_id,
            flags: if sampled { SAMPLED } else { 0 },
        })
    }

    /// Parses a `traceparent` header value; `None` unless it is a valid version `00` value.
    ///
    /// # Arguments
    ///
    /// * `value` - the header value, e.g.
    ///   `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
    pub fn parse(value: &str) -> Option<Self> {
        let bytes = value.as_bytes();
        if bytes.len() != Self::LEN
            || &bytes[0..3] != b"00-"
            || bytes[35] != b'-'
            || bytes[52] != b'-'
        {
            return None;
        }
        let mut trace_id = [0u8; 16];
        decode_hex(&bytes[3..35], &mut trace_id)?;
        let mut parent_id = [0u8; 8];
        decode_hex(&bytes[36..52], &mut parent_id)?;
        let mut flags = [0u8; 1];
        decode_hex(&bytes[53..55], &mut flags)?;
        if trace_id == [0; 16] || parent_id == [0; 8] {
            return None;
        }
        Some(Self {
            trace_id,
            parent_id,
            flags: flags[0],
        })
    }

    /// The trace context the installed `tracing` subscriber gave `span` (e.g. the span's own
    /// OpenTelemetry trace and span ids, when spans are exported); `None` when the span is
    /// disabled or no [`SpanContextReader`] is set.
    ///
    /// An outgoing call made inside `span` sends this as its `traceparent`, so that the callee
    /// names the exported span as its parent.
    ///
    /// # Arguments
    ///
    /// * `span` - the span of the outgoing call.
    pub fn of_span(span: &tracing::Span) -> Option<Self> {
        if span.is_disabled() {
            return None;
        }
        SPAN_CONTEXT_READER.get().and_then(|reader| reader(span))
    }

    /// Sets, once per process, how [`TraceParent::of_span`] reads a span's trace context. The
    /// code that installs an exporting `tracing` subscriber sets it; later calls change nothing
    /// and return `false`.
    ///
    /// # Arguments
    ///
    /// * `reader` - reads a span's ids from the subscriber, `None` when it has none.
    pub fn set_span_context_reader(reader: SpanContextReader) -> bool {
        SPAN_CONTEXT_READER.set(reader).is_ok()
    }

    /// The same trace with a new random parent id: the value to send with an outgoing call
    /// made as a new span (the new id is that span's).
    pub fn child(&self) -> Self {
        Self {
            parent_id: new_span_id(),
            ..*self
        }
    }

    /// The trace id's 16 bytes.
    pub fn trace_id(&self) -> [u8; 16] {
        self.trace_id
    }

    /// The parent (span) id's 8 bytes.
    pub fn parent_id(&self) -> [u8; 8] {
        self.parent_id
    }

    /// Whether the caller sampled the trace (flag `01`).
    pub fn sampled(&self) -> bool {
        self.flags & SAMPLED != 0
    }

    /// The trace id as 32 lowercase hex digits (the `trace.id` of logs and spans).
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }

    /// The parent id as 16 lowercase hex digits.
    pub fn parent_id_hex(&self) -> String {
        hex(&self.parent_id)
    }
}

/// Formats the header value, `00-<trace id>-<parent id>-<flags>`.
impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            hex(&self.trace_id),
            hex(&self.parent_id),
            self.flags
        )
    }
}

/// Reads the W3C trace context of a `tracing` span from the process's subscriber.
pub type SpanContextReader = fn(&tracing::Span) -> Option<TraceParent>;

static SPAN_CONTEXT_READER: OnceLock<SpanContextReader> = OnceLock::new();

fn new_span_id() -> [u8; 8] {
    non_zero(|| {
        let bytes = uuid::Uuid::new_v4().into_bytes();
        let mut id = [0u8; 8];
        id.copy_from_slice(&bytes[..8]);
        id
    })
}

fn non_zero<const N: usize>(make: impl Fn() -> [u8; N]) -> [u8; N] {
    loop {
        let id = make();
        if id != [0; N] {
            return id;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// Lowercase hex only, as the W3C spec requires.
fn decode_hex(digits: &[u8], out: &mut [u8]) -> Option<()> {
    fn nibble(digit: u8) -> Option<u8> {
        match digit {
            b'0'..=b'9' => Some(digit - b'0'),
            b'a'..=b'f' => Some(digit - b'a' + 10),
            _ => None,
        }
    }
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::TraceParent;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_and_formats_a_valid_value() {
        let parsed = TraceParent::parse(VALID).unwrap();
        assert_eq!(parsed.to_string(), VALID);
        assert_eq!(parsed.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parsed.parent_id_hex(), "00f067aa0ba902b7");
        assert!(parsed.sampled());
        let unsampled = TraceParent::parse(&VALID.replace("-01", "-00")).unwrap();
        assert!(!unsampled.sampled());
    }

    #[test]
    fn rejects_invalid_values() {
        for invalid in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-é",
        ] {
            assert_eq!(TraceParent::parse(invalid), None, "{invalid}");
        }
    }

    #[test]
    fn a_root_and_its_child_share_the_trace_id() {
        let root = TraceParent::new_root();
        let child = root.child();
        assert_eq!(root.trace_id(), child.trace_id());
        assert_ne!(root.parent_id(), child.parent_id());
        assert_eq!(TraceParent::parse(&child.to_string()), Some(child));
    }
}
