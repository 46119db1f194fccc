//! A server instrumented for the official Socket.IO admin UI (`fastsio-admin`): an `echo`
//! event and a `join` event on the main namespace, and the admin namespace `/admin`.
//!
//! `PORT=3000 cargo run --example admin` listens on 127.0.0.1:$PORT. Open
//! <https://admin.socket.io> (CORS allows it), connect to `http://127.0.0.1:3000` with
//! namespace `/admin`, user `admin` and password `changeit`, or the password whose bcrypt hash
//! is in `$ADMIN_PASSWORD_HASH`.

use fastsio::engine::CorsConfig;
use fastsio::prelude::*;
use fastsio_admin::{AdminAuth, AdminOptions, instrument};
use fastsio_examples::launch;
use serde_json::Value;

/// bcrypt of "changeit".
const CHANGEIT: &str = "$2b$10$uemkxYx84cu86cRAKbXTm.DZk2Zc3z/uVXyq.ZSBCOUlTvaigiRh2";

async fn echo(Data(value): Data<Value>) -> Ack<Value> {
    Ack(value)
}

async fn join(socket: SocketRef, Data(room): Data<String>) {
    socket.join(room);
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = launch::listen("admin example (admin namespace /admin)").await?;
    let password_hash = std::env::var("ADMIN_PASSWORD_HASH").unwrap_or_else(|_| CHANGEIT.into());
    let options = AdminOptions::new(AdminAuth::Basic {
        username: "admin".into(),
        password_hash,
    });
    let builder = Server::builder()
        .cors(CorsConfig::origins(["https://admin.socket.io"]).credentials(true))
        .routes(Routes::new("/").on("echo", echo).on("join", join));
    let io = instrument(builder, options)?.build()?;
    io.serve(listener, launch::ctrl_c()).await?;
    Ok(())
}
