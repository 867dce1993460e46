//! [`MessageText`]: a record's message, stored inline when short.
//!
//! Records are formatted on the caller's thread and freed on the writer thread; with the system
//! allocator that pattern makes every allocation take the slow path (profiled at ~15% of the
//! file appender benchmark). Typical messages fit inline, so most records allocate nothing.
//! The inline part is an `arrayvec::ArrayString`, which knows its bytes are UTF-8: reading the
//! message back on the writer thread costs no validation (profiled at ~7% of the writer).

use std::fmt;

use arrayvec::ArrayString;

/// Bytes stored without allocating.
const INLINE_BYTES: usize = 110;

/// A formatted message: inline up to [`INLINE_BYTES`], on the heap beyond.
#[derive(Default)]
pub(crate) struct MessageText {
    inline: ArrayString<INLINE_BYTES>,
    heap: Option<String>,
}

impl MessageText {
    /// Formats `args`.
    pub(crate) fn format(args: &fmt::Arguments<'_>) -> Self {
        let mut text = MessageText::default();
        // Our `write_str` never fails; a `Display` impl that errs leaves what it wrote so far.
        let _ = fmt::write(&mut text, *args);
        text
    }

    /// The message.
    pub(crate) fn as_str(&self) -> &str {
        match &self.heap {
            Some(heap) => heap,
            None => &self.inline,
        }
    }
}

impl fmt::Write for MessageText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(heap) = &mut self.heap {
            heap.push_str(s);
        } else if self.inline.try_push_str(s).is_err() {
            let mut heap = String::with_capacity((self.inline.len() + s.len()) * 2);
            heap.push_str(&self.inline);
            heap.push_str(s);
            self.heap = Some(heap);
        }
        Ok(())
    }
}

impl fmt::Debug for MessageText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_messages_stay_inline_and_long_ones_spill_whole() {
        let short = MessageText::format(&format_args!("héllo {}", 42));
        assert_eq!(short.as_str(), "héllo 42");
        assert!(short.heap.is_none());
        let exact = "x".repeat(INLINE_BYTES);
        assert!(MessageText::format(&format_args!("{exact}")).heap.is_none());
        let long = format!("{}é{}", "a".repeat(INLINE_BYTES - 1), "b".repeat(300));
        let text = MessageText::format(&format_args!("{}{}", &long[..60], &long[60..]));
        assert_eq!(text.as_str(), long);
        assert!(text.heap.is_some());
    }
}
