//! The hosts of a cluster client: round-robin over the living ones, with dead-marking and resurrection, and the
//! seeds plus the nodes sniffing found.
//!
//! The official client's pools neither retry nor mark hosts dead (and its sniffing pool can panic), so the hosts are
//! kept here. Calls pick a host themselves (`call.rs`); the official transport of the typed escape hatch reads the
//! same pool through [`HostSelector`], a `ConnectionPool` that hands out the next living host.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use elasticsearch::http::Url;
use elasticsearch::http::transport::{Connection, ConnectionPool};
use parking_lot::{Mutex, RwLock};

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

/// One host of a pool.
#[derive(Debug)]
pub(crate) struct Host {
    url: Url,
    connection: Connection,
    display: String,
    health: Mutex<Health>,
}

impl Host {
    fn new(url: Url) -> Self {
        Self {
            display: url.as_str().trim_end_matches('/').to_owned(),
            connection: Connection::new(url.clone()),
            url,
            health: Mutex::new(Health::default()),
        }
    }

    /// The host's URL, which request paths are joined to.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// The host's URL, as shown in errors and logs.
    pub(crate) fn display(&self) -> &str {
        &self.display
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Health {
    failures: u32,
    dead_until: Option<Instant>,
}

/// The hosts of one cluster client: the configured ones (the seeds), plus the nodes sniffing
/// found. The list is replaced as a whole, so a request keeps the host it picked even when the
/// list changes under it.
#[derive(Debug)]
pub(crate) struct HostPool {
    hosts: RwLock<Arc<[Arc<Host>]>>,
    seeds: Vec<Url>,
    next: AtomicUsize,
}

impl HostPool {
    /// A pool over `urls` (the seeds); `None` when there are none, so a pool is never empty.
    pub(crate) fn new(urls: Vec<Url>) -> Option<Self> {
        if urls.is_empty() {
            return None;
        }
        let hosts: Arc<[Arc<Host>]> = urls
            .iter()
            .cloned()
            .map(|url| Arc::new(Host::new(url)))
            .collect();
        Some(Self {
            hosts: RwLock::new(hosts),
            seeds: urls,
            next: AtomicUsize::new(0),
        })
    }

    fn snapshot(&self) -> Arc<[Arc<Host>]> {
        Arc::clone(&self.hosts.read())
    }

    /// How many hosts the pool has now.
    pub(crate) fn len(&self) -> usize {
        self.hosts.read().len()
    }

    /// The configured hosts.
    pub(crate) fn seeds(&self) -> &[Url] {
        &self.seeds
    }

    /// Makes the hosts the seeds plus `discovered` (each URL once, seeds first). A host that
    /// stays keeps its health; the pool never becomes empty, since the seeds stay.
    pub(crate) fn set_discovered(&self, discovered: Vec<Url>) {
        let current = self.snapshot();
        let mut urls: Vec<Url> = self.seeds.clone();
        for url in discovered {
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
        let hosts: Arc<[Arc<Host>]> = urls
            .into_iter()
            .map(|url| {
                let display = url.as_str().trim_end_matches('/');
                current
                    .iter()
                    .find(|host| host.display == display)
                    .cloned()
                    .unwrap_or_else(|| Arc::new(Host::new(url)))
            })
            .collect();
        *self.hosts.write() = hosts;
    }

    /// The next living host in round-robin order; when every host is dead, the one that died first is resurrected
    /// (so a single-host cluster is always tried, and health checks notice when it is back).
    pub(crate) fn pick(&self) -> Arc<Host> {
        let hosts = self.snapshot();
        let count = hosts.len();
        if count <= 1 {
            return Arc::clone(&hosts[0]);
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut earliest: Option<(usize, Instant)> = None;
        for offset in 0..count {
            let index = (start + offset) % count;
            let health = *hosts[index].health.lock();
            match health.dead_until {
                None => return Arc::clone(&hosts[index]),
                Some(until) if until <= now => return Arc::clone(&hosts[index]),
                Some(until) => {
                    if earliest.is_none_or(|(_, best)| until < best) {
                        earliest = Some((index, until));
                    }
                }
            }
        }
        Arc::clone(&hosts[earliest.map_or(0, |(index, _)| index)])
    }

    /// Records a connection failure of `host`: it is skipped until its dead time is over.
    pub(crate) fn mark_dead(&self, host: &Host) {
        let mut health = host.health.lock();
        health.failures = health.failures.saturating_add(1);
        let factor = 1u32 << health.failures.saturating_sub(1).min(5);
        health.dead_until = Some(Instant::now() + (BASE_DEAD_TIME * factor).min(MAX_DEAD_TIME));
    }

    /// Records a response from `host`: it is alive.
    pub(crate) fn mark_alive(&self, host: &Host) {
        let mut health = host.health.lock();
        if health.failures != 0 || health.dead_until.is_some() {
            *health = Health::default();
        }
    }

    pub(crate) fn statuses(&self) -> Vec<HostStatus> {
        let now = Instant::now();
        self.snapshot()
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
}

/// The official transport's view of a [`HostPool`], for the typed escape hatch: the next living
/// host, round-robin (the typed API has no retry hook, so no failover).
#[derive(Debug, Clone)]
pub(crate) struct HostSelector(pub(crate) Arc<HostPool>);

impl ConnectionPool for HostSelector {
    fn next(&self) -> Connection {
        self.0.pick().connection.clone()
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

    /// The number in `http://host-<n>:9200`.
    fn index(host: &Host) -> usize {
        host.display()
            .trim_start_matches("http://host-")
            .trim_end_matches(":9200")
            .parse()
            .unwrap()
    }

    #[test]
    fn discovered_hosts_join_and_leave_and_the_seeds_stay() {
        let pool = pool(1);
        let url = |n: usize| Url::parse(&format!("http://host-{n}:9200")).unwrap();
        let seed = pool.snapshot()[0].clone();
        pool.mark_dead(&seed);
        pool.set_discovered(vec![url(0), url(5), url(6)]);
        let urls = |pool: &HostPool| {
            pool.statuses()
                .into_iter()
                .map(|s| s.url)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            urls(&pool),
            [
                "http://host-0:9200",
                "http://host-5:9200",
                "http://host-6:9200"
            ]
        );
        // The seed kept its health across the change.
        assert_eq!(pool.statuses()[0].consecutive_failures, 1);
        pool.set_discovered(vec![url(6)]);
        assert_eq!(urls(&pool), ["http://host-0:9200", "http://host-6:9200"]);
        pool.set_discovered(Vec::new());
        assert_eq!(urls(&pool), ["http://host-0:9200"]);
    }

    #[test]
    fn an_empty_host_list_makes_no_pool() {
        assert!(HostPool::new(Vec::new()).is_none());
    }

    #[test]
    fn picks_go_round_robin_and_skip_dead_hosts() {
        let pool = pool(3);
        let picks = |count| (0..count).map(|_| index(&pool.pick())).collect::<Vec<_>>();
        assert_eq!(picks(6), [0, 1, 2, 0, 1, 2]);
        let second = pool.snapshot()[1].clone();
        pool.mark_dead(&second);
        assert_eq!(picks(4), [0, 2, 2, 0]);
        pool.mark_alive(&second);
        assert!(
            pool.statuses()
                .iter()
                .all(|status| status.alive && status.consecutive_failures == 0)
        );
    }

    #[test]
    fn when_every_host_is_dead_the_one_that_comes_back_first_is_tried() {
        let pool = pool(2);
        let hosts = pool.snapshot();
        pool.mark_dead(&hosts[1]);
        pool.mark_dead(&hosts[0]);
        pool.mark_dead(&hosts[0]);
        // Host 0 failed twice, so it stays dead longer than host 1.
        assert_eq!(index(&pool.pick()), 1);
        assert_eq!(index(&pool.pick()), 1);
        let statuses = pool.statuses();
        assert_eq!(
            (statuses[0].alive, statuses[0].consecutive_failures),
            (false, 2)
        );
    }

    #[test]
    fn the_selector_hands_out_the_living_hosts_of_the_pool() {
        let pool = Arc::new(pool(3));
        let selector = HostSelector(Arc::clone(&pool));
        let second = pool.snapshot()[1].clone();
        pool.mark_dead(&second);
        let urls: Vec<String> = (0..3).map(|_| selector.next().url().to_string()).collect();
        assert_eq!(
            urls,
            [
                "http://host-0:9200/",
                "http://host-2:9200/",
                "http://host-2:9200/"
            ]
        );
    }
}
