//! What the server logs about a suspicious setup: `build()` warns of a state no handler can
//! read and of a namespace without handlers; an event nobody handles that asks for an ack gets
//! a debug line. The log is captured from a subscriber installed for this test binary.

use std::io::Write;
use std::sync::{Mutex, Once};

use fastsio::prelude::*;
use fastsio_tests::server::TestServer;
use fastsio_tests::sio;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::util::SubscriberInitExt;

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber (once per binary) and returns the log's lines so far.
fn log_lines() -> Vec<String> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        tracing_subscriber::fmt()
            .with_max_level(LevelFilter::DEBUG)
            .with_ansi(false)
            .with_writer(|| Capture)
            .finish()
            .try_init()
            .unwrap();
    });
    String::from_utf8_lossy(&LOG.lock().unwrap())
        .lines()
        .map(str::to_string)
        .collect()
}

fn warnings_about(marker: &str) -> Vec<String> {
    log_lines()
        .into_iter()
        .filter(|l| l.contains("WARN") && l.contains(marker))
        .collect()
}

#[derive(Clone)]
struct StateWithoutRoutes;

#[derive(Clone)]
struct StateWithRoutes;

async fn noop() {}

#[test]
fn a_state_given_before_any_route_is_warned_of() {
    log_lines();
    Server::builder()
        .with_state(StateWithoutRoutes)
        .routes(Routes::new("/").on("ping", noop))
        .build()
        .unwrap();
    Server::builder()
        .routes(Routes::new("/").on("ping", noop))
        .with_state(StateWithRoutes)
        .build()
        .unwrap();
    let warned = warnings_about("StateWithoutRoutes");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("with_state"), "{warned:?}");
    assert_eq!(warnings_about("StateWithRoutes"), Vec::<String>::new());
}

#[test]
fn a_namespace_without_handlers_is_warned_of() {
    log_lines();
    Server::builder()
        .routes(Routes::new("/silent-namespace"))
        .routes(Routes::new("/busy-namespace").on("ping", noop))
        .routes(Routes::new("/merged-namespace"))
        .routes(Routes::new("/merged-namespace").on("ping", noop))
        .build()
        .unwrap();
    let warned = warnings_about("/silent-namespace");
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(warned[0].contains("without handlers"), "{warned:?}");
    assert_eq!(warnings_about("/busy-namespace"), Vec::<String>::new());
    assert_eq!(warnings_about("/merged-namespace"), Vec::<String>::new());
}

#[tokio::test]
async fn an_unhandled_event_asking_for_an_ack_gets_a_debug_line() {
    log_lines();
    let io = Server::builder()
        .routes(Routes::new("/").on("known", async || Ack("done")))
        .build()
        .unwrap();
    let server = TestServer::start(io.service()).await;
    let (mut ws, sid) = sio::connect(&server, "/").await;
    ws.send_text(r#"427["nobody-handles-this"]"#).await;
    // Events run in order: once `known` is acked, the unknown one before it was dispatched.
    ws.send_text(r#"428["known"]"#).await;
    assert_eq!(ws.next_text().await, r#"438["done"]"#);
    let lines: Vec<String> = log_lines()
        .into_iter()
        .filter(|l| l.contains("nobody-handles-this") && l.contains(&sid))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("DEBUG"), "{lines:?}");
    assert!(lines[0].contains("ack=7"), "{lines:?}");
}
