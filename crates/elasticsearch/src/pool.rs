//! The hosts of a cluster client: round-robin over the living ones, with dead-marking and resurrection.
//!
//! The official client's pools neither retry nor mark hosts dead (and its sniffing pool can panic), so the hosts are
//! kept here and handed to the official transport through [`HostSelector`], a `ConnectionPool` that returns the
//! host the retry loop pinned for the current task (or the next living host for typed calls).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use elasticsearch::http::Url;
use elasticsearch::http::transport::{Connection, ConnectionPool};
use parking_lot::Mutex;

tokio::task_local! {
    /// The host index the retry loop chose for the request being sent from this task.
    static PINNED_HOST: usize;
}

/// How long a host that failed once stays dead; doubled on each further failure, up to [`MAX_DEAD_TIME`].
const BASE_DEAD_TIME: Duration = Duration::from_secs(1);
/// The longest a host stays dead before it is tried again.
const MAX_DEAD_TIME: Duration = Duration::from_secs(30);

/// The state of one host, for diagnostics and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostStatus {
    /// The host's URL.
    pub url: String,
    /// Whether requests currently go to it.
    pub alive: bool,
    /// Connection failures in a row.
    pub consecutive_failures: u32,
}

#[derive(Debug)]
struct Host {
    connection: Connection,
    display: String,
    health: Mutex<Health>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Health {
    failures: u32,
    dead_until: Option<Instant>,
}

/// The hosts of one cluster client.
#[derive(Debug)]
pub(crate) struct HostPool {
    hosts: Vec<Host>,
    next: AtomicUsize,
}

impl HostPool {
    /// A pool over `urls`; `None` when there are none (every index below is then in range).
    pub(crate) fn new(urls: Vec<Url>) -> Option<Self> {
        if urls.is_empty() {
            return None;
        }
        let hosts = urls
            .into_iter()
            .map(|url| Host {
                display: url.as_str().trim_end_matches('/').to_owned(),
                connection: Connection::new(url),
                health: Mutex::new(Health::default()),
            })
            .collect();
        Some(Self {
            hosts,
            next: AtomicUsize::new(0),
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.hosts.len()
    }

    /// The URL of host `index`, as shown in errors and logs.
    pub(crate) fn display(&self, index: usize) -> &str {
        self.hosts
            .get(index)
            .map_or("", |host| host.display.as_str())
    }

    /// The next living host in round-robin order; when every host is dead, the one that died first is resurrected
    /// (so a single-host cluster is always tried, and health checks notice when it is back).
    pub(crate) fn pick(&self) -> usize {
        let count = self.hosts.len();
        if count <= 1 {
            return 0;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut earliest: Option<(usize, Instant)> = None;
        for offset in 0..count {
            let index = (start + offset) % count;
            let health = *self.hosts[index].health.lock();
            match health.dead_until {
                None => return index,
                Some(until) if until <= now => return index,
                Some(until) => {
                    if earliest.is_none_or(|(_, best)| until < best) {
                        earliest = Some((index, until));
                    }
                }
            }
        }
        earliest.map_or(0, |(index, _)| index)
    }

    /// Records a connection failure of host `index`: it is skipped until its dead time is over.
    pub(crate) fn mark_dead(&self, index: usize) {
        if let Some(host) = self.hosts.get(index) {
            let mut health = host.health.lock();
            health.failures = health.failures.saturating_add(1);
            let factor = 1u32 << health.failures.saturating_sub(1).min(5);
            health.dead_until = Some(Instant::now() + (BASE_DEAD_TIME * factor).min(MAX_DEAD_TIME));
        }
    }

    /// Records a response from host `index`: it is alive.
    pub(crate) fn mark_alive(&self, index: usize) {
        if let Some(host) = self.hosts.get(index) {
            let mut health = host.health.lock();
            if health.failures != 0 || health.dead_until.is_some() {
                *health = Health::default();
            }
        }
    }

    pub(crate) fn statuses(&self) -> Vec<HostStatus> {
        let now = Instant::now();
        self.hosts
            .iter()
            .map(|host| {
                let health = *host.health.lock();
                HostStatus {
                    url: host.display.clone(),
                    alive: health.dead_until.is_none_or(|until| until <= now),
                    consecutive_failures: health.failures,
                }
            })
            .collect()
    }

    fn connection(&self, index: usize) -> Connection {
        // In range: `new` refuses an empty list.
        self.hosts[index % self.hosts.len()].connection.clone()
    }
}

/// Runs `future` (a `Transport::send`) with host `index` pinned, so [`HostSelector`] hands that host out.
pub(crate) async fn with_pinned_host<F: Future>(index: usize, future: F) -> F::Output {
    PINNED_HOST.scope(index, future).await
}

/// The official transport's view of a [`HostPool`].
#[derive(Debug, Clone)]
pub(crate) struct HostSelector(pub(crate) Arc<HostPool>);

impl ConnectionPool for HostSelector {
    fn next(&self) -> Connection {
        let index = PINNED_HOST
            .try_with(|index| *index)
            .unwrap_or_else(|_| self.0.pick());
        self.0.connection(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(count: usize) -> HostPool {
        let urls = (0..count)
            .map(|i| Url::parse(&format!("http://host-{i}:9200")).unwrap())
            .collect();
        HostPool::new(urls).unwrap()
    }

    #[test]
    fn an_empty_host_list_makes_no_pool() {
        assert!(HostPool::new(Vec::new()).is_none());
    }

    #[test]
    fn picks_go_round_robin_and_skip_dead_hosts() {
        let pool = pool(3);
        assert_eq!(
            (0..6).map(|_| pool.pick()).collect::<Vec<_>>(),
            [0, 1, 2, 0, 1, 2]
        );
        pool.mark_dead(1);
        assert_eq!(
            (0..4).map(|_| pool.pick()).collect::<Vec<_>>(),
            [0, 2, 2, 0]
        );
        pool.mark_alive(1);
        assert!(
            pool.statuses()
                .iter()
                .all(|status| status.alive && status.consecutive_failures == 0)
        );
    }

    #[test]
    fn when_every_host_is_dead_the_one_that_comes_back_first_is_tried() {
        let pool = pool(2);
        pool.mark_dead(1);
        pool.mark_dead(0);
        pool.mark_dead(0);
        // Host 0 failed twice, so it stays dead longer than host 1.
        assert_eq!(pool.pick(), 1);
        assert_eq!(pool.pick(), 1);
        let statuses = pool.statuses();
        assert_eq!(
            (statuses[0].alive, statuses[0].consecutive_failures),
            (false, 2)
        );
    }

    #[tokio::test]
    async fn the_selector_hands_out_the_pinned_host() {
        let pool = Arc::new(pool(3));
        let selector = HostSelector(Arc::clone(&pool));
        let pinned = with_pinned_host(2, async { selector.next().url().to_string() }).await;
        assert_eq!(pinned, "http://host-2:9200/");
        assert_eq!(selector.next().url().to_string(), "http://host-0:9200/");
    }
}
