//! The accept loop: how many connections the server holds, for how long, and who gives way.
//!
//! An instance faces the open internet, so a client that opens connections and sends nothing
//! (or a header a byte a minute) must not exhaust the process's file descriptors or memory,
//! nor keep others out. Every connection therefore:
//!
//! - must send a complete request head within [`Limits::header_read_timeout`] of connecting or
//!   of its previous response (hyper's header-read timer, which also bounds idle keep-alive);
//! - must finish its whole request within [`Limits::request_timeout`] (a slow body is cut
//!   off with `408`; the router applies it);
//! - counts against [`Limits::max_connections`]. When that many are open, a new connection
//!   takes the place of the one that has been idle (between requests) the longest; only when
//!   every connection is busy with a request is the newcomer turned away. Idle attackers thus
//!   never lock out a real client, and a busy request is never cut short.
//!
//! At start the soft limit on open files is raised to the hard limit, and the connection cap
//! is kept below it. Shutdown is graceful: idle connections close at once, requests in flight
//! finish first.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::{watch, Notify};

/// How the accept loop bounds connections.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most connections open at once (kept below the open-file limit).
    pub max_connections: usize,
    /// Time allowed for a request head, from connecting or from the previous response.
    pub header_read_timeout: Duration,
    /// Time allowed for a whole request, body included.
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
        }
    }
}

/// Raises the soft limit on open files to the hard limit; returns the soft limit now.
pub fn raise_open_file_limit() -> u64 {
    // SAFETY: getrlimit/setrlimit write/read only the struct we pass.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
        lim.rlim_cur
    }
}

/// The listen backlog: how many connections the kernel holds for the accept loop. A burst
/// beyond it is dropped (the client retries its SYN after a second), so it is as deep as the
/// kernel allows (`net.core.somaxconn` caps it).
pub const LISTEN_BACKLOG: u32 = 4096;

/// Binds a listener on `addr` with [`LISTEN_BACKLOG`].
pub fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// One open connection as the accept loop sees it.
struct Connection {
    /// Milliseconds since the loop started at which it went idle; `u64::MAX` while busy.
    idle_since: AtomicU64,
    /// Asks the connection to close (gracefully: an idle one closes at once).
    close: Notify,
    closing: AtomicBool,
}

/// The open connections, by id.
#[derive(Default)]
struct Table {
    open: Mutex<HashMap<u64, Arc<Connection>>>,
}

impl Table {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Connection>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes room for one more connection under `cap`: asks the longest-idle one to close.
    /// `false` if every open connection is busy.
    fn make_room(&self, cap: usize) -> bool {
        let open = self.lock();
        if open.len() < cap {
            return true;
        }
        let victim = open
            .values()
            .filter(|c| !c.closing.load(Ordering::Relaxed))
            .map(|c| (c.idle_since.load(Ordering::Relaxed), c))
            .filter(|(idle, _)| *idle != u64::MAX)
            .min_by_key(|(idle, _)| *idle);
        match victim {
            Some((_, c)) => {
                c.closing.store(true, Ordering::Relaxed);
                c.close.notify_one();
                // It leaves the table when its task ends; until then it still holds a file
                // descriptor, so the cap may be passed by the few being closed.
                true
            }
            None => false,
        }
    }
}

/// Marks its connection busy for the length of one request.
struct Busy {
    conn: Arc<Connection>,
    epoch: Instant,
}

impl Drop for Busy {
    fn drop(&mut self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.conn.idle_since.store(ms, Ordering::Relaxed);
    }
}

/// Serves `app` on `listener` under `limits` until `shutdown` resolves; then stops accepting,
/// closes idle connections and lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let files = raise_open_file_limit();
    // Keep descriptors for the database, the vault, logs and the listener.
    let cap = limits
        .max_connections
        .min((files.saturating_sub(64) as usize).max(16));
    if cap < limits.max_connections {
        tracing::warn!(
            cap,
            open_files = files,
            "the open-file limit caps connections below the configured maximum"
        );
    }
    let epoch = Instant::now();
    let table = Arc::new(Table::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut next_id = 0u64;
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors or memory for a moment: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed; retrying in 50 ms");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        if !table.make_room(cap) {
            tracing::warn!(cap, "every connection is busy; refusing a new one");
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let id = next_id;
        let conn = Arc::new(Connection {
            idle_since: AtomicU64::new(epoch.elapsed().as_millis() as u64),
            close: Notify::new(),
            closing: AtomicBool::new(false),
        });
        table.lock().insert(id, conn.clone());
        let service = {
            let app = app.clone();
            let conn = conn.clone();
            tower::service_fn(move |req: axum::extract::Request<hyper::body::Incoming>| {
                let busy = Busy {
                    conn: conn.clone(),
                    epoch,
                };
                busy.conn.idle_since.store(u64::MAX, Ordering::Relaxed);
                let mut app = app.clone();
                async move {
                    let res = tower::Service::call(&mut app, req.map(axum::body::Body::new)).await;
                    drop(busy);
                    res
                }
            })
        };
        let mut stop = stop_rx.clone();
        let table = table.clone();
        tasks.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .keep_alive(true);
            let served =
                builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::pin!(served);
            let mut graceful = false;
            loop {
                tokio::select! {
                    r = served.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    () = conn.close.notified(), if !graceful => {
                        graceful = true;
                        served.as_mut().graceful_shutdown();
                    }
                    _ = stop.changed(), if !graceful => {
                        graceful = true;
                        served.as_mut().graceful_shutdown();
                    }
                }
            }
            table.lock().remove(&id);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}
