//! The chat demo's command-line client, on fastsio-client. Its contract:
//!
//! `chat_client --url URL --name NAME [--room ROOM]... [--say TEXT]... [--transport websocket|polling] [--wait SECS]`
//! - connects to `/chat` with auth `{"name": NAME}`, joins each room in order, and sends each
//!   text to the first room;
//! - then listens SECS more (default 1), disconnects and exits 0;
//! - prints one JSON line per received event, `{"event": NAME, "data": FIRST_ARGUMENT}`, and
//!   one per ack, `{"ack": "join_room"|"send_message", "data": ACK}`;
//! - on a refused connection, prints `{"connect_error": {"message", "data"}}` and exits 2
//!   (bad arguments exit 64);
//! - without `--transport`, uses polling then upgrades to WebSocket;
//! - when the server goes away, reconnects by itself with backoff, and the server's `welcome`
//!   arrives again.

use std::sync::Arc;
use std::time::Duration;

use fastsio_client::{ConnectError, Manager, RawEvent, Transport};
use serde_json::{Value, json};

/// Where the client's JSON lines go (stdout in the binary, a channel in tests).
pub type Output = Arc<dyn Fn(String) + Send + Sync>;

/// How long an ack may take.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// The parsed command line.
#[derive(Debug, Default)]
struct Args {
    url: String,
    name: String,
    rooms: Vec<String>,
    say: Vec<String>,
    transports: Option<Vec<Transport>>,
    wait: Duration,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        wait: Duration::from_secs(1),
        ..Args::default()
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => parsed.url = value()?,
            "--name" => parsed.name = value()?,
            "--room" => parsed.rooms.push(value()?),
            "--say" => parsed.say.push(value()?),
            "--transport" => {
                parsed.transports = Some(match value()?.as_str() {
                    "websocket" => vec![Transport::WebSocket],
                    "polling" => vec![Transport::Polling],
                    other => return Err(format!("unknown transport {other}")),
                })
            }
            "--wait" => {
                let secs: f64 = value()?.parse().map_err(|_| "--wait takes seconds")?;
                parsed.wait = Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if parsed.url.is_empty() || parsed.name.is_empty() {
        return Err("--url and --name are required".into());
    }
    Ok(parsed)
}

/// Runs the client with `args` (without the program name); returns the exit code.
pub async fn run(args: &[String], out: Output) -> i32 {
    let args = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "{e}\nusage: chat_client --url URL --name NAME [--room ROOM]... [--say TEXT]... [--transport websocket|polling] [--wait SECS]"
            );
            return 64;
        }
    };
    let mut manager = Manager::builder(&args.url);
    if let Some(transports) = args.transports {
        manager = manager.transports(transports);
    }
    let manager = match manager.build() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return 64;
        }
    };
    let events = out.clone();
    let connected = manager
        .socket("/chat")
        .auth(json!({"name": args.name}))
        .on_any(move |_socket, event: RawEvent| {
            let data = event.args().get(1).map_or(Value::Null, |d| {
                serde_json::from_str(d).unwrap_or(Value::Null)
            });
            events(json!({"event": event.name(), "data": data}).to_string());
            async {}
        })
        .connect()
        .await;
    let socket = match connected {
        Ok(socket) => socket,
        Err(e) => {
            let (message, data) = match e {
                ConnectError::Refused { message, data } => (message, data),
                other => (other.to_string(), Value::Null),
            };
            out(json!({"connect_error": {"message": message, "data": data}}).to_string());
            return 2;
        }
    };
    for room in &args.rooms {
        ask(&socket, &out, "join_room", json!({"room": room})).await;
    }
    if let Some(first) = args.rooms.first() {
        for text in &args.say {
            ask(
                &socket,
                &out,
                "send_message",
                json!({"room": first, "text": text}),
            )
            .await;
        }
    }
    tokio::time::sleep(args.wait).await;
    manager.close();
    0
}

/// Emits `event` and prints its ack (or why there is none).
async fn ask(socket: &fastsio_client::Socket, out: &Output, event: &str, data: Value) {
    let line = match socket
        .emit_raw_with_ack::<_, Value>(event, &data, ACK_TIMEOUT)
        .await
    {
        Ok(ack) => json!({"ack": event, "data": ack}),
        Err(e) => json!({"ack": event, "error": e.to_string()}),
    };
    out(line.to_string());
}
