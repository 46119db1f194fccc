//! [`OpenInfo`]: the server's handshake (the Engine.IO open packet).

use std::time::Duration;

use serde::Deserialize;

use crate::error::EngineError;

/// What the open packet (`0{"sid":..}`) tells the client.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenInfo {
    pub sid: String,
    #[serde(default)]
    pub upgrades: Vec<String>,
    pub ping_interval: u64,
    pub ping_timeout: u64,
    #[serde(default = "default_max_payload")]
    pub max_payload: usize,
}

fn default_max_payload() -> usize {
    1_000_000
}

impl OpenInfo {
    /// Parses a whole open packet, type character included.
    pub fn parse(record: &str) -> Result<OpenInfo, EngineError> {
        let json = record.strip_prefix('0').ok_or_else(|| {
            EngineError::Protocol(format!("expected an open packet: {record:.64}"))
        })?;
        serde_json::from_str(json)
            .map_err(|e| EngineError::Protocol(format!("invalid open packet: {e}")))
    }

    /// How long without any packet means the server is dead: pingInterval + pingTimeout.
    pub fn dead_after(&self) -> Duration {
        Duration::from_millis(self.ping_interval.saturating_add(self.ping_timeout))
    }
}
