//! Admin UI instrumentation for fastsio, compatible with
//! [`@socket.io/admin-ui`](https://socket.io/docs/v4/admin-ui/) 0.5: point the hosted UI
//! (<https://admin.socket.io>) or a self-hosted copy at a fastsio server and see its
//! connections, sockets, rooms and events, and act on them.
//!
//! [`instrument`] adds the admin namespace (`/admin` by default) to a server builder and
//! installs an [`Observer`](fastsio_core::observer::Observer) that feeds it. Admins log in
//! with a user name and password checked against a bcrypt hash ([`AdminAuth::Basic`]), get
//! the server's statistics every 2 s and, in [`Mode::Development`], every socket, room change
//! and event as it happens. Unless [`readonly`](AdminOptions::readonly), they may make
//! sockets join or leave rooms, disconnect them, or emit to them.
//!
//! ```no_run
//! use fastsio_admin::{AdminAuth, AdminOptions, instrument};
//! use fastsio_core::Server;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let options = AdminOptions::new(AdminAuth::Basic {
//!     username: "admin".into(),
//!     // bcrypt of "changeit"
//!     password_hash: "$2b$10$uemkxYx84cu86cRAKbXTm.DZk2Zc3z/uVXyq.ZSBCOUlTvaigiRh2".into(),
//! });
//! let io = instrument(Server::builder(), options)?.build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! io.serve(listener, std::future::pending()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! The UI then connects to `http://127.0.0.1:3000` with namespace `/admin` (and needs CORS
//! for its origin when hosted elsewhere: see [`ServerBuilder::cors`](fastsio_core::ServerBuilder::cors)).
//!
//! Differences from node's instrumentation: sockets have no free-form `data` (fastsio's
//! session values are typed), so `data` is always `{}`; `handshake.secure` is `false` (TLS
//! ends in front of fastsio); login sessions live in memory only; `_disconnect` with
//! `close` closes this node's connections only.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod commands;
mod error;
mod login;
mod observer;
mod options;
mod routes;
mod sent_event;
mod sessions;
mod socket_details;
mod stats;
mod traffic;

use std::sync::Arc;

use fastsio_core::ServerBuilder;

pub use error::AdminError;
pub use options::{AdminAuth, AdminOptions, Mode};

use admin::Admin;
use observer::AdminObserver;

/// Adds the admin namespace to `builder` and installs the observer that feeds it (replacing
/// any other [`observer`](ServerBuilder::observer)); refuses options that cannot work (a
/// password that is not a bcrypt hash, say).
pub fn instrument<S: Send + Sync + 'static>(
    builder: ServerBuilder<S>,
    options: AdminOptions,
) -> Result<ServerBuilder<S>, AdminError> {
    let admin = Arc::new(Admin::new(options)?);
    Ok(builder
        .observer(AdminObserver(admin.clone()))
        .routes(routes::routes(admin)))
}
