//! Long-lived clients, one per cluster connection. Making a librdkafka client
//! costs threads, sockets and a bootstrap round trip (about 100 ms), so page
//! views, status checks, discovery and topic administration share these
//! instead of making their own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rdkafka::admin::AdminClient;
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::BaseConsumer;

use super::{Connection, KafkaError};

/// Clients kept at most; the least recently used goes first. Far above the
/// number of clusters of a mesh; it bounds tests that make many clusters.
const MAX_CLIENTS: usize = 32;
/// A client unused this long is closed (its cluster may be gone).
const IDLE: Duration = Duration::from_secs(600);

pub(crate) type Admin = AdminClient<DefaultClientContext>;

/// The clients of one connection: a consumer-type handle for metadata (it
/// never asks the broker to auto-create the topic it describes) and an admin
/// client for topic administration and configs.
pub(crate) struct Clients {
    pub metadata: BaseConsumer,
    pub admin: Admin,
}

struct Pooled {
    client: Arc<Clients>,
    last_used: Instant,
}

type Key = (Connection, u128);

fn pool() -> &'static Mutex<HashMap<Key, Pooled>> {
    static POOL: OnceLock<Mutex<HashMap<Key, Pooled>>> = OnceLock::new();
    POOL.get_or_init(|| Mutex::new(HashMap::new()))
}

static CREATED: AtomicU64 = AtomicU64::new(0);

/// How many clients this process has made so far (tests count them).
pub fn clients_created() -> u64 {
    CREATED.load(Ordering::Relaxed)
}

/// The shared clients of `conn`, made on first use.
pub(crate) fn get(conn: &Connection, timeout: Duration) -> Result<Arc<Clients>, KafkaError> {
    let key = (conn.clone(), timeout.as_millis());
    let mut pool = pool().lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    pool.retain(|_, p| now.duration_since(p.last_used) < IDLE);
    if let Some(p) = pool.get_mut(&key) {
        p.last_used = now;
        return Ok(Arc::clone(&p.client));
    }
    let config = conn.client_config(timeout)?;
    let client = Clients {
        metadata: config
            .create()
            .map_err(|e| KafkaError::Client(e.to_string()))?,
        admin: config
            .create()
            .map_err(|e| KafkaError::Client(e.to_string()))?,
    };
    CREATED.fetch_add(2, Ordering::Relaxed);
    if pool.len() >= MAX_CLIENTS {
        if let Some(oldest) = pool
            .iter()
            .min_by_key(|(_, p)| p.last_used)
            .map(|(k, _)| k.clone())
        {
            pool.remove(&oldest);
        }
    }
    let client = Arc::new(client);
    pool.insert(
        key,
        Pooled {
            client: Arc::clone(&client),
            last_used: now,
        },
    );
    Ok(client)
}
