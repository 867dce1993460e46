//! A bounded many-to-one channel whose receiver takes everything pending in one step.
//!
//! Why not `std::sync::mpsc::sync_channel` (which the service used before): its receiver takes
//! one message at a time and wakes a blocked sender for every slot it frees. When producers are
//! faster than the writer, each freed slot woke the producer, which preempted the writer to send
//! one record and blocked again (profiled: the writer's futex wake-ups were half of all context
//! switches). Here the writer swaps the whole pending vector for its empty one under one lock, so
//! a blocked producer is woken once per batch and then finds the whole capacity free; and the
//! writer processes the batch in place, without copying each message out of a slot.
//!
//! Memory stays bounded: at most `capacity` messages pending plus the batch being processed.

use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

/// Creates a channel holding at most `capacity` (at least 1) pending messages.
pub(crate) fn batch_channel<T>(capacity: usize) -> (BatchSender<T>, BatchReceiver<T>) {
    let capacity = capacity.max(1);
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            pending: Vec::with_capacity(capacity),
            senders: 1,
            receiver_alive: true,
            receiver_waiting: false,
            senders_waiting: 0,
        }),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
        capacity,
    });
    (
        BatchSender {
            shared: Arc::clone(&shared),
        },
        BatchReceiver { shared },
    )
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// The receiver waits here when nothing is pending.
    not_empty: Condvar,
    /// Senders wait here while `capacity` messages are pending.
    not_full: Condvar,
    capacity: usize,
}

struct State<T> {
    pending: Vec<T>,
    /// Live [`BatchSender`]s; at zero, the receiver sees the channel as disconnected once empty.
    senders: usize,
    /// Cleared when the receiver is dropped: sends fail from then on.
    receiver_alive: bool,
    /// The receiver is blocked in [`BatchReceiver::take_blocking`] and must be woken.
    receiver_waiting: bool,
    /// Senders blocked on a full channel.
    senders_waiting: usize,
}

/// The sending half; clones share the channel.
pub(crate) struct BatchSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> BatchSender<T> {
    /// Queues `message`, waiting while the channel is full. Gives the message back if the
    /// receiver is gone.
    pub(crate) fn send(&self, message: T) -> Result<(), T> {
        let mut state = self.shared.state.lock();
        loop {
            if !state.receiver_alive {
                return Err(message);
            }
            if state.pending.len() < self.shared.capacity {
                break;
            }
            state.senders_waiting += 1;
            self.shared.not_full.wait(&mut state);
            state.senders_waiting -= 1;
        }
        state.pending.push(message);
        // Only a receiver that went to sleep needs a wake-up (a system call); one that is busy or
        // polling finds the message on its next take.
        if std::mem::take(&mut state.receiver_waiting) {
            drop(state);
            self.shared.not_empty.notify_one();
        }
        Ok(())
    }
}

impl<T> Clone for BatchSender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().senders += 1;
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for BatchSender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.senders -= 1;
        if state.senders == 0 && std::mem::take(&mut state.receiver_waiting) {
            drop(state);
            self.shared.not_empty.notify_one();
        }
    }
}

/// What [`BatchReceiver::try_take`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Taken {
    /// At least one message was moved into the batch.
    Messages,
    /// Nothing pending; senders remain.
    Empty,
    /// Nothing pending and every sender is gone: nothing will ever arrive.
    Disconnected,
}

/// The receiving half.
pub(crate) struct BatchReceiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> BatchReceiver<T> {
    /// Moves every pending message, in order, into `batch`, without waiting. The two vectors
    /// are swapped, so `batch`'s allocation is reused for the next messages; hand it in empty
    /// (anything left in it is dropped).
    pub(crate) fn try_take(&self, batch: &mut Vec<T>) -> Taken {
        let state = self.shared.state.lock();
        if state.pending.is_empty() {
            return if state.senders == 0 {
                Taken::Disconnected
            } else {
                Taken::Empty
            };
        }
        self.swap(state, batch);
        Taken::Messages
    }

    /// Like [`BatchReceiver::try_take`], but waits until a message arrives; `false` once every
    /// sender is gone and nothing is pending.
    pub(crate) fn take_blocking(&self, batch: &mut Vec<T>) -> bool {
        let mut state = self.shared.state.lock();
        while state.pending.is_empty() {
            if state.senders == 0 {
                return false;
            }
            state.receiver_waiting = true;
            self.shared.not_empty.wait(&mut state);
        }
        state.receiver_waiting = false;
        self.swap(state, batch);
        true
    }

    fn swap(&self, mut state: parking_lot::MutexGuard<'_, State<T>>, batch: &mut Vec<T>) {
        std::mem::swap(&mut state.pending, batch);
        // The receiver hands in its emptied batch; bring it to full capacity once, so senders
        // never reallocate under the lock.
        state.pending.clear();
        let capacity = self.shared.capacity;
        state.pending.reserve(capacity);
        let wake_senders = state.senders_waiting > 0;
        drop(state);
        if wake_senders {
            self.shared.not_full.notify_all();
        }
    }
}

impl<T> Drop for BatchReceiver<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.receiver_alive = false;
        let wake_senders = state.senders_waiting > 0;
        // Messages still pending are dropped with the channel, as with std's channels.
        let pending = std::mem::take(&mut state.pending);
        drop(state);
        drop(pending);
        if wake_senders {
            self.shared.not_full.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn takes_everything_pending_in_order() {
        let (sender, receiver) = batch_channel(8);
        let mut batch = Vec::new();
        assert_eq!(receiver.try_take(&mut batch), Taken::Empty);
        for i in 0..5 {
            sender.send(i).unwrap();
        }
        assert_eq!(receiver.try_take(&mut batch), Taken::Messages);
        assert_eq!(batch, [0, 1, 2, 3, 4]);
        batch.clear();
        sender.send(5).unwrap();
        assert!(receiver.take_blocking(&mut batch));
        assert_eq!(batch, [5]);
    }

    #[test]
    fn a_full_channel_blocks_the_sender_until_the_receiver_takes() {
        let (sender, receiver) = batch_channel(2);
        sender.send(1).unwrap();
        sender.send(2).unwrap();
        let third_sent = Arc::new(AtomicBool::new(false));
        let producer = {
            let sender = sender.clone();
            let third_sent = Arc::clone(&third_sent);
            std::thread::spawn(move || {
                sender.send(3).unwrap();
                third_sent.store(true, Ordering::SeqCst);
            })
        };
        // Give the producer time to reach the full channel. A broken channel that accepted the
        // third message would be caught here; a slow producer only makes this check vacuous.
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !third_sent.load(Ordering::SeqCst),
            "sent into a full channel"
        );
        let mut batch = Vec::new();
        assert_eq!(receiver.try_take(&mut batch), Taken::Messages);
        assert_eq!(batch, [1, 2]);
        producer.join().unwrap();
        assert!(third_sent.load(Ordering::SeqCst));
        batch.clear();
        assert!(receiver.take_blocking(&mut batch));
        assert_eq!(batch, [3]);
    }

    #[test]
    fn many_senders_lose_nothing_and_keep_their_own_order() {
        let (sender, receiver) = batch_channel(16);
        let producers: Vec<_> = (0..4u64)
            .map(|thread| {
                let sender = sender.clone();
                std::thread::spawn(move || {
                    for seq in 0..10_000u64 {
                        sender.send((thread, seq)).unwrap();
                    }
                })
            })
            .collect();
        drop(sender);
        let mut next = [0u64; 4];
        let mut batch = Vec::new();
        while receiver.take_blocking(&mut batch) {
            for (thread, seq) in batch.drain(..) {
                assert_eq!(seq, next[thread as usize], "thread {thread} out of order");
                next[thread as usize] += 1;
            }
        }
        for producer in producers {
            producer.join().unwrap();
        }
        assert_eq!(next, [10_000; 4]);
        assert_eq!(receiver.try_take(&mut batch), Taken::Disconnected);
    }

    #[test]
    fn sends_fail_once_the_receiver_is_gone_even_when_blocked() {
        let (sender, receiver) = batch_channel(1);
        sender.send(1).unwrap();
        let blocked = {
            let sender = sender.clone();
            std::thread::spawn(move || sender.send(2))
        };
        std::thread::sleep(Duration::from_millis(20));
        drop(receiver);
        assert_eq!(blocked.join().unwrap(), Err(2));
        assert_eq!(sender.send(3), Err(3));
    }

    #[test]
    fn a_blocked_receiver_wakes_when_the_last_sender_goes() {
        let (sender, receiver) = batch_channel::<u32>(4);
        let waiting = std::thread::spawn(move || {
            let mut batch = Vec::new();
            receiver.take_blocking(&mut batch)
        });
        std::thread::sleep(Duration::from_millis(20));
        drop(sender);
        assert!(!waiting.join().unwrap());
    }
}
