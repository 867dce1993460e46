//! Appenders: where formatted records are written.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use crate::LoggingError;
use crate::layout::Layout;
use crate::record::LogRecord;

/// Bytes buffered per appender before a write system call; appenders are also flushed whenever
/// the pipeline goes idle, on reconfiguration and on stop.
const BUFFER_BYTES: usize = 64 * 1024;

/// Room for the line that takes the buffer past [`BUFFER_BYTES`], so typical lines never grow it.
const LINE_SLACK: usize = 4 * 1024;

/// A named destination with its layout. Only the writer thread touches it, so it needs no lock
/// of its own.
///
/// Layouts format straight into the appender's buffer (no per-line buffer copied into a
/// `BufWriter`), which goes to the writer in one `write` once it holds [`BUFFER_BYTES`], and on
/// every flush. Dropping the appender writes what is buffered.
pub(crate) struct Appender {
    name: String,
    layout: Layout,
    writer: Box<dyn Write + Send>,
    /// Formatted lines not yet written.
    buffer: Vec<u8>,
    /// Set after a write error has been reported, so a broken disk does not flood stderr.
    failing: bool,
}

impl std::fmt::Debug for Appender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appender")
            .field("name", &self.name)
            .field("layout", &self.layout)
            .finish_non_exhaustive()
    }
}

impl Appender {
    /// An appender writing to standard output.
    pub(crate) fn console(name: &str, layout: Layout) -> Self {
        Self::with_writer(name, layout, Box::new(io::stdout()))
    }

    /// An appender appending to the file at `path`, created if missing. Its directory must exist:
    /// a missing one is a config mistake, reported rather than silently created.
    pub(crate) fn file(name: &str, path: &Path, layout: Layout) -> Result<Self, LoggingError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| LoggingError::OpenFile {
                appender: name.to_owned(),
                path: path.to_owned(),
                source,
            })?;
        Ok(Self::with_writer(name, layout, Box::new(file)))
    }

    /// An appender writing to any unbuffered writer (tests use in-memory ones).
    pub(crate) fn with_writer(name: &str, layout: Layout, writer: Box<dyn Write + Send>) -> Self {
        Self {
            name: name.to_owned(),
            layout,
            writer,
            buffer: Vec::with_capacity(BUFFER_BYTES + LINE_SLACK),
            failing: false,
        }
    }

    /// Formats one record into the buffer, writing the buffer out once it is full.
    pub(crate) fn append(&mut self, record: &LogRecord<'_>) {
        self.layout.format(record, &mut self.buffer);
        if self.buffer.len() >= BUFFER_BYTES {
            let result = self.write_buffer();
            self.note(result);
        }
    }

    /// Writes everything buffered to the destination.
    pub(crate) fn flush(&mut self) {
        let result = self.write_buffer().and_then(|()| self.writer.flush());
        self.note(result);
    }

    /// Hands the buffer to the writer. On error the buffered lines are dropped (the caller
    /// reports it): keeping them would grow memory without bound while a disk stays broken.
    fn write_buffer(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let result = self.writer.write_all(&self.buffer);
        self.buffer.clear();
        if self.buffer.capacity() > 2 * (BUFFER_BYTES + LINE_SLACK) {
            // One huge record (a long stack) must not keep its memory for the appender's life.
            self.buffer.shrink_to(BUFFER_BYTES + LINE_SLACK);
        }
        result
    }

    /// Reports the first of a run of I/O errors on stderr: logging has nowhere else to report
    /// its own failures, and a failing appender must not stop the others.
    fn note(&mut self, result: io::Result<()>) {
        match result {
            Ok(()) => self.failing = false,
            Err(error) if !self.failing => {
                self.failing = true;
                eprintln!(
                    "core-logging: appender \"{}\" failed to write: {error}",
                    self.name
                );
            }
            Err(_) => {}
        }
    }
}

impl Drop for Appender {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use parking_lot::Mutex;

    use super::*;
    use crate::LogLevel;
    use crate::config::LayoutConfig;

    /// An in-memory destination that records each `write` call.
    #[derive(Clone, Default)]
    struct Recorder {
        writes: Arc<Mutex<Vec<Vec<u8>>>>,
        fail: bool,
    }

    impl Write for Recorder {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            if self.fail {
                return Err(io::Error::other("disk on fire"));
            }
            self.writes.lock().push(bytes.to_vec());
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn appender(recorder: &Recorder) -> Appender {
        let layout = Layout::from_config(&LayoutConfig::Pattern {
            pattern: Some("{message}".into()),
            highlight: false,
        });
        Appender::with_writer("test", layout, Box::new(recorder.clone()))
    }

    fn record(message: &str) -> LogRecord<'_> {
        LogRecord {
            timestamp_ms: 0,
            level: LogLevel::Info,
            context: "test",
            message,
            meta_json: None,
            error: None,
        }
    }

    #[test]
    fn lines_are_written_in_large_chunks_and_on_flush() {
        let recorder = Recorder::default();
        let mut appender = appender(&recorder);
        let line = "x".repeat(99);
        let per_chunk = BUFFER_BYTES.div_ceil(100);
        for _ in 0..per_chunk - 1 {
            appender.append(&record(&line));
        }
        assert!(recorder.writes.lock().is_empty(), "written before full");
        appender.append(&record(&line));
        assert_eq!(recorder.writes.lock().len(), 1);
        assert_eq!(recorder.writes.lock()[0].len(), per_chunk * 100);
        appender.append(&record("last"));
        appender.flush();
        assert_eq!(recorder.writes.lock()[1], b"last\n");
    }

    #[test]
    fn dropping_writes_what_is_buffered() {
        let recorder = Recorder::default();
        let mut appender = appender(&recorder);
        appender.append(&record("one"));
        appender.append(&record("two"));
        drop(appender);
        assert_eq!(recorder.writes.lock().concat(), b"one\ntwo\n");
    }

    #[test]
    fn a_failing_writer_neither_keeps_lines_nor_stops_the_appender() {
        let mut recorder = Recorder {
            fail: true,
            ..Recorder::default()
        };
        let mut appender = appender(&recorder);
        appender.append(&record("lost"));
        appender.flush();
        assert!(appender.failing);
        assert!(appender.buffer.is_empty());
        // The destination recovers: later lines arrive, the lost one does not reappear.
        recorder.fail = false;
        appender.writer = Box::new(recorder.clone());
        appender.append(&record("back"));
        appender.flush();
        assert!(!appender.failing);
        assert_eq!(recorder.writes.lock().concat(), b"back\n");
    }
}
