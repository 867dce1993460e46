//! [`MessageText`]: a record's message, stored inline when short.
//!
//! Records are formatted on the caller's thread and freed on the writer thread; with the system
//! allocator that pattern makes every allocation take the slow path (profiled at ~15% of the
//! file appender benchmark). Typical messages fit inline, so most records allocate nothing.

use std::fmt;

/// Bytes stored without allocating.
const INLINE_BYTES: usize = 110;

/// A formatted message: inline up to [`INLINE_BYTES`], on the heap beyond.
pub(crate) struct MessageText {
    len: usize,
    inline: [u8; INLINE_BYTES],
    heap: Option<String>,
}

impl MessageText {
    /// Formats `args`.
    pub(crate) fn format(args: &fmt::Arguments<'_>) -> Self {
        let mut text = MessageText {
            len: 0,
            inline: [0; INLINE_BYTES],
            heap: None,
        };
        // Our `write_str` never fails; a `Display` impl that errs leaves what it wrote so far.
        let _ = fmt::write(&mut text, *args);
        text
    }

    /// The message.
    pub(crate) fn as_str(&self) -> &str {
        match &self.heap {
            Some(heap) => heap,
            // Only whole `&str`s are ever copied in, so the bytes are valid UTF-8.
            None => std::str::from_utf8(&self.inline[..self.len]).unwrap_or_default(),
        }
    }
}

impl fmt::Write for MessageText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(heap) = &mut self.heap {
            heap.push_str(s);
        } else if let Some(slot) = self.inline.get_mut(self.len..self.len + s.len()) {
            slot.copy_from_slice(s.as_bytes());
            self.len += s.len();
        } else {
            let mut heap = String::with_capacity((self.len + s.len()) * 2);
            heap.push_str(std::str::from_utf8(&self.inline[..self.len]).unwrap_or_default());
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
