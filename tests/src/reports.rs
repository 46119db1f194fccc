//! What handlers report to the test that runs them: into a [`Log`], or through a channel read
//! with [`recv`] and [`drain`].

use std::future::Ready;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fastsio::prelude::*;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedReceiver;

/// Bound on waiting for a report from a handler.
pub const REPORT_WAIT: Duration = Duration::from_secs(10);

/// What handlers saw, in order.
pub type Log<T> = Arc<Mutex<Vec<T>>>;

/// An empty [`Log`].
pub fn log<T>() -> Log<T> {
    Arc::new(Mutex::new(Vec::new()))
}

/// A handler that records its payload in `log`.
pub fn record(
    log: &Log<Value>,
) -> impl Fn(Data<Value>) -> Ready<()> + Clone + Send + Sync + 'static {
    let log = log.clone();
    move |Data(v): Data<Value>| {
        log.lock().unwrap().push(v);
        std::future::ready(())
    }
}

/// The next report from a handler, within [`REPORT_WAIT`].
pub async fn recv<T>(rx: &mut UnboundedReceiver<T>) -> T {
    tokio::time::timeout(REPORT_WAIT, rx.recv())
        .await
        .expect("no report from the server in time")
        .expect("report channel closed")
}

/// Everything reported so far (once the client has finished, the handlers have run).
pub fn drain<T>(rx: &mut UnboundedReceiver<T>) -> Vec<T> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}
