//! [`ServerStats`]: the `server_stats` event, and the task that sends it to the admins
//! while any is connected.

use std::sync::Arc;

use fastsio_core::Io;
use serde::Serialize;
use tokio::time::MissedTickBehavior;

use crate::admin::Admin;
use crate::traffic::AggregatedEvent;

/// The fields of node's `server_stats`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerStats<'a> {
    server_id: &'a str,
    hostname: &'a str,
    pid: u32,
    uptime: f64,
    clients_count: usize,
    polling_clients_count: usize,
    aggregated_events: Vec<AggregatedEvent>,
    namespaces: Vec<NamespaceDetails>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NamespaceDetails {
    name: String,
    sockets_count: usize,
}

impl<'a> ServerStats<'a> {
    /// The stats now, with the `aggregated` counts.
    pub fn new(admin: &'a Admin, io: &Io, aggregated: Vec<AggregatedEvent>) -> Self {
        let mut namespaces: Vec<NamespaceDetails> = io
            .namespaces()
            .iter()
            .map(|ns| NamespaceDetails {
                name: ns.path().to_owned(),
                sockets_count: ns.socket_count(),
            })
            .collect();
        namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        ServerStats {
            server_id: &admin.server_id,
            hostname: &admin.hostname,
            pid: std::process::id(),
            uptime: admin.uptime().as_secs_f64(),
            clients_count: io.connection_count(),
            polling_clients_count: admin.polling_count(),
            aggregated_events: aggregated,
            namespaces,
        }
    }
}

/// Sends `server_stats` to the admin namespace every interval, until no admin is connected.
pub(crate) async fn run(admin: Arc<Admin>, io: Io) {
    let mut ticks = tokio::time::interval(admin.stats_interval);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if !admin.keep_sending_stats() {
            return;
        }
        if let Some(ns) = io.of(&admin.namespace) {
            let stats = ServerStats::new(&admin, &io, admin.traffic.take());
            let _ = ns.emit_raw("server_stats", &stats);
        }
    }
}
