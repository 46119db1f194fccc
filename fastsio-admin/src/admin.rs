//! [`Admin`]: the state of the instrumentation, shared by the admin namespace's handlers,
//! the observer and the stats task.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fastsio_core::{ConnectError, Io, Socket, SocketRef};
use serde::Serialize;
use serde_json::json;

use crate::error::AdminError;
use crate::login::Login;
use crate::options::{AdminOptions, Mode};
use crate::socket_details::SocketDetails;
use crate::stats::{self, ServerStats};
use crate::traffic::Traffic;

/// The commands the UI may send, as node names them (none when read-only).
const COMMANDS: [&str; 7] = [
    "EMIT",
    "JOIN",
    "LEAVE",
    "DISCONNECT",
    "MJOIN",
    "MLEAVE",
    "MDISCONNECT",
];

pub(crate) struct Admin {
    pub namespace: String,
    pub mode: Mode,
    pub readonly: bool,
    pub stats_interval: Duration,
    pub server_id: String,
    pub hostname: String,
    pub traffic: Traffic,
    login: Login,
    started: Instant,
    /// Connected admin sockets: with none, nothing is recorded or sent.
    admins: AtomicUsize,
    /// Connections on polling now (opened on polling, not upgraded, not closed).
    polling: AtomicIsize,
    stats_running: AtomicBool,
}

impl Admin {
    pub fn new(options: AdminOptions) -> Result<Self, AdminError> {
        if !options.namespace.starts_with('/') {
            return Err(AdminError::InvalidNamespace(options.namespace));
        }
        if options.stats_interval.is_zero() {
            return Err(AdminError::Zero("stats_interval"));
        }
        if options.max_sessions == 0 {
            return Err(AdminError::Zero("max_sessions"));
        }
        if options.max_concurrent_logins == 0 {
            return Err(AdminError::Zero("max_concurrent_logins"));
        }
        let hostname = gethostname::gethostname().to_string_lossy().into_owned();
        Ok(Admin {
            server_id: options.server_id.unwrap_or_else(|| hostname.clone()),
            hostname,
            login: Login::new(
                options.auth,
                options.max_sessions,
                options.max_concurrent_logins,
            )?,
            namespace: options.namespace,
            mode: options.mode,
            readonly: options.readonly,
            stats_interval: options.stats_interval,
            traffic: Traffic::default(),
            started: Instant::now(),
            admins: AtomicUsize::new(0),
            polling: AtomicIsize::new(0),
            stats_running: AtomicBool::new(false),
        })
    }

    /// Whether any admin is connected.
    pub fn active(&self) -> bool {
        self.admins.load(Ordering::Relaxed) > 0
    }

    /// Whether admins are connected and get each socket, room and event.
    pub fn verbose(&self) -> bool {
        self.mode == Mode::Development && self.active()
    }

    pub fn is_admin(&self, socket: &Socket) -> bool {
        socket.ns() == self.namespace
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn polling_count(&self) -> usize {
        self.polling.load(Ordering::Relaxed).max(0) as usize
    }

    pub fn polling_changed(&self, by: isize) {
        self.polling.fetch_add(by, Ordering::Relaxed);
    }

    /// The features the UI offers, as `config` announces them.
    fn features(&self) -> Vec<&'static str> {
        let mut features = if self.readonly {
            Vec::new()
        } else {
            COMMANDS.to_vec()
        };
        features.push("AGGREGATED_EVENTS");
        if self.mode == Mode::Development {
            features.push("ALL_EVENTS");
        }
        features
    }

    /// Sends `event` to every admin, from a hook that has a socket of this server at hand.
    pub fn tell<T: Serialize + ?Sized>(&self, via: &Socket, event: &str, data: &T) {
        if let Some(admins) = via.io().and_then(|io| io.of(&self.namespace)) {
            let _ = admins.emit_raw(event, data);
        }
    }

    /// The connect handler of the admin namespace: checks the login, then sends the new
    /// admin its `session` (after a password login), `config`, `all_sockets` (development
    /// mode) and a first `server_stats`.
    pub async fn welcome(&self, socket: SocketRef, io: Io) -> Result<(), ConnectError> {
        if let Some(session) = self.login.check(socket.auth()).await? {
            let _ = socket.emit_raw("session", &session);
        }
        let _ = socket.emit_raw("config", &json!({ "supportedFeatures": self.features() }));
        if self.mode == Mode::Development {
            let _ = socket.emit_raw("all_sockets", &SocketDetails::all(&io));
        }
        // The aggregated counts go to every admin with the next periodic stats.
        let _ = socket.emit_raw("server_stats", &ServerStats::new(self, &io, Vec::new()));
        Ok(())
    }

    /// Counts an admin in; the first one starts the stats task.
    pub fn admin_joined(self: &Arc<Self>, socket: &Socket) {
        self.admins.fetch_add(1, Ordering::Relaxed);
        if let Some(io) = socket.io()
            && !self.stats_running.swap(true, Ordering::AcqRel)
        {
            tokio::spawn(stats::run(self.clone(), io));
        }
    }

    pub fn admin_left(&self) {
        self.admins.fetch_sub(1, Ordering::Relaxed);
    }

    /// Whether the stats task goes on: it stops with the last admin (the next one starts
    /// it again).
    pub fn keep_sending_stats(&self) -> bool {
        if self.active() {
            return true;
        }
        self.stats_running.store(false, Ordering::Release);
        // An admin that arrived meanwhile found the task running: keep it, unless that
        // admin has started another one already.
        self.active() && !self.stats_running.swap(true, Ordering::AcqRel)
    }
}
