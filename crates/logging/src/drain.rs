//! The slog drain of the service: hands each record to the writer thread ([`crate::writer`])
//! through a bounded [`crate::batch_channel`]. A full channel makes the caller wait; nothing is
//! ever dropped to make room.
//!
//! This replaces `slog-async`: its default strategy drops records, its records cost five or more
//! allocations each (profiled: allocation was the largest cost), it cannot flush when idle, and
//! a config change could not travel in order with the records.

use std::panic::AssertUnwindSafe;

use slog::{Drain, OwnedKVList, Record};

use crate::batch_channel::BatchSender;
use crate::record::QueuedRecord;
use crate::writer::Message;

/// The drain at the end of every service logger's slog pipeline.
pub(crate) struct QueueDrain {
    /// slog wants unwind-safe drains; a sender holds no state a panic could leave half-changed.
    sender: AssertUnwindSafe<BatchSender<Message>>,
}

impl QueueDrain {
    /// A drain that sends every record down `sender`, to the writer thread.
    pub(crate) fn new(sender: BatchSender<Message>) -> Self {
        Self {
            sender: AssertUnwindSafe(sender),
        }
    }
}

impl Drain for QueueDrain {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &Record<'_>, _values: &OwnedKVList) -> Result<(), slog::Never> {
        // Sending fails only once the writer thread has ended, i.e. after `stop`, when every
        // logger is at `off`: such a record is discarded, as documented on `LoggingService`.
        let _ = self
            .sender
            .send(Message::Record(QueuedRecord::from_slog(record)));
        Ok(())
    }
}
