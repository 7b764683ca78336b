//! A minimal HTTP/1.1 keep-alive client and a fixed-duration load of N
//! concurrent clients, each on its own connection (shared by the benches).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::report::Stats;

pub struct Conn {
    addr: SocketAddr,
    io: Option<(BufReader<OwnedReadHalf>, OwnedWriteHalf)>,
    line: String,
    pub body: Vec<u8>,
    pub reconnects: usize,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Conn {
        Conn {
            addr,
            io: None,
            line: String::new(),
            body: Vec::new(),
            reconnects: 0,
        }
    }

    /// `GET path`; returns the status, the body is left in `self.body`.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<u16> {
        if self.io.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (read, write) = stream.into_split();
            self.io = Some((BufReader::new(read), write));
            self.reconnects += 1;
        }
        let result = self.exchange(path).await;
        if !matches!(result, Ok((_, true))) {
            self.io = None; // closed by the server, or broken: reconnect next time
        }
        result.map(|(status, _)| status)
    }

    /// (status, whether the connection stays open).
    async fn exchange(&mut self, path: &str) -> anyhow::Result<(u16, bool)> {
        let Some((read, write)) = self.io.as_mut() else {
            bail!("not connected");
        };
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n");
        write.write_all(request.as_bytes()).await?;
        self.line.clear();
        read.read_line(&mut self.line).await?;
        let status: u16 = self
            .line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {:?}", self.line))?;
        let (mut length, mut chunked, mut keep_alive) = (None, false, true);
        loop {
            self.line.clear();
            if read.read_line(&mut self.line).await? == 0 {
                bail!("connection closed in the headers");
            }
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            let Some((name, value)) = header.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = Some(value.parse::<usize>()?),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        self.body.clear();
        if chunked {
            loop {
                self.line.clear();
                read.read_line(&mut self.line).await?;
                let size = self.line.trim().split(';').next().unwrap_or_default();
                let size = usize::from_str_radix(size, 16)?;
                let at = self.body.len();
                self.body.resize(at + size + 2, 0);
                read.read_exact(&mut self.body[at..]).await?;
                self.body.truncate(at + size);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(length) = length {
            self.body.resize(length, 0);
            read.read_exact(&mut self.body).await?;
        } else {
            read.read_to_end(&mut self.body).await?;
            keep_alive = false;
        }
        Ok((status, keep_alive))
    }
}

pub struct Throughput {
    pub requests: usize,
    pub errors: usize,
    pub per_second: f64,
    pub latency: Stats,
    pub connections: usize,
    /// Latency of every response counted, in completion order per client.
    pub times: Vec<Duration>,
    /// Length of the timed window.
    pub seconds: f64,
}

impl Throughput {
    /// Several runs of one load as one: their requests over their total time.
    pub fn merge(runs: Vec<Throughput>) -> Throughput {
        let (mut times, mut errors, mut connections, mut seconds) = (Vec::new(), 0, 0, 0.0);
        for run in runs {
            times.extend(run.times);
            errors += run.errors;
            connections += run.connections;
            seconds += run.seconds;
        }
        Throughput {
            requests: times.len(),
            errors,
            per_second: times.len() as f64 / f64::max(seconds, f64::MIN_POSITIVE),
            latency: Stats::of(times.clone()),
            connections,
            times,
            seconds,
        }
    }
}

/// `clients` tasks request `paths` round-robin for `warmup` untimed and then
/// `duration` timed; the responses completed in the timed window count.
pub async fn run(
    addr: SocketAddr,
    paths: Arc<Vec<String>>,
    clients: usize,
    warmup: Duration,
    duration: Duration,
) -> anyhow::Result<Throughput> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now() + warmup;
    let end = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (paths, next) = (Arc::clone(&paths), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            let (mut times, mut errors) = (Vec::new(), 0usize);
            loop {
                let path = &paths[next.fetch_add(1, Ordering::Relaxed) % paths.len()];
                let sent = Instant::now();
                let ok = matches!(conn.get(path).await, Ok(200));
                let done = Instant::now();
                if done >= end {
                    break;
                }
                if done >= start {
                    match ok {
                        true => times.push(done - sent),
                        false => errors += 1,
                    }
                }
            }
            (times, errors, conn.reconnects)
        }));
    }
    let (mut times, mut errors, mut connections) = (Vec::new(), 0, 0);
    for task in tasks {
        let (t, e, c) = task.await?;
        times.extend(t);
        errors += e;
        connections += c;
    }
    let seconds = duration.as_secs_f64();
    Ok(Throughput {
        requests: times.len(),
        errors,
        per_second: times.len() as f64 / seconds,
        latency: Stats::of(times.clone()),
        connections,
        times,
        seconds,
    })
}
