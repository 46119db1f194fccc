//! [`AdminOptions`]: what [`instrument`](crate::instrument) sets up, and how admins log in
//! ([`AdminAuth`]) and what they see ([`Mode`]).

use std::time::Duration;

/// How admins log in.
#[derive(Clone, PartialEq, Eq)]
pub enum AdminAuth {
    /// No login: whoever reaches the admin namespace is an admin. Only for a server nobody
    /// else can reach.
    None,
    /// The admin UI's login form: a user name and a bcrypt hash of the password (`$2a$`,
    /// `$2b$` or `$2y$`, as `bcryptjs` or `htpasswd -bnBC 10 "" password` make them).
    Basic {
        /// The expected user name.
        username: String,
        /// The bcrypt hash of the expected password.
        password_hash: String,
    },
}

impl std::fmt::Debug for AdminAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminAuth::None => f.write_str("None"),
            AdminAuth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .finish_non_exhaustive(),
        }
    }
}

/// How much the admin UI is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Everything: each socket's details, each room change, each event received and sent
    /// (the default, as in node when `NODE_ENV` is unset).
    #[default]
    Development,
    /// Server statistics and aggregated counts only: no per-socket work on the server.
    Production,
}

/// The settings of the admin instrumentation; [`AdminOptions::new`] takes the one that has
/// no default, the [`AdminAuth`].
///
/// ```
/// use std::time::Duration;
/// use fastsio_admin::{AdminAuth, AdminOptions, Mode};
///
/// let options = AdminOptions::new(AdminAuth::Basic {
///     username: "admin".into(),
///     // bcrypt of "changeit"
///     password_hash: "$2b$10$uemkxYx84cu86cRAKbXTm.DZk2Zc3z/uVXyq.ZSBCOUlTvaigiRh2".into(),
/// })
/// .namespace("/admin")
/// .mode(Mode::Production)
/// .readonly(true)
/// .stats_interval(Duration::from_secs(5));
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AdminOptions {
    /// The admin namespace (default `/admin`).
    pub namespace: String,
    /// How admins log in.
    pub auth: AdminAuth,
    /// Refuse the UI's commands (emit, join, leave, disconnect) (default false).
    pub readonly: bool,
    /// The id the UI shows for this server (default: the host name).
    pub server_id: Option<String>,
    /// What the UI is told (default [`Mode::Development`]).
    pub mode: Mode,
    /// How often connected admins get `server_stats` (default 2 s, as in node).
    pub stats_interval: Duration,
    /// Login sessions remembered, so that a reloaded UI logs in again without the password
    /// (default 1 000; beyond, the oldest is forgotten).
    pub max_sessions: usize,
    /// Password checks running at once (default 4): bcrypt is slow on purpose, so logins
    /// beyond wait their turn instead of taking every core.
    pub max_concurrent_logins: usize,
}

impl AdminOptions {
    /// The defaults, with `auth`.
    pub fn new(auth: AdminAuth) -> Self {
        AdminOptions {
            namespace: "/admin".into(),
            auth,
            readonly: false,
            server_id: None,
            mode: Mode::Development,
            stats_interval: Duration::from_secs(2),
            max_sessions: 1_000,
            max_concurrent_logins: 4,
        }
    }

    /// Sets [`namespace`](Self::namespace).
    pub fn namespace(mut self, path: impl Into<String>) -> Self {
        self.namespace = path.into();
        self
    }

    /// Sets [`readonly`](Self::readonly).
    pub fn readonly(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }

    /// Sets [`server_id`](Self::server_id).
    pub fn server_id(mut self, id: impl Into<String>) -> Self {
        self.server_id = Some(id.into());
        self
    }

    /// Sets [`mode`](Self::mode).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets [`stats_interval`](Self::stats_interval).
    pub fn stats_interval(mut self, every: Duration) -> Self {
        self.stats_interval = every;
        self
    }

    /// Sets [`max_sessions`](Self::max_sessions).
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n;
        self
    }

    /// Sets [`max_concurrent_logins`](Self::max_concurrent_logins).
    pub fn max_concurrent_logins(mut self, n: usize) -> Self {
        self.max_concurrent_logins = n;
        self
    }
}
