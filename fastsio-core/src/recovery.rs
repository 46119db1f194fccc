//! Connection state recovery: [`RecoveryConfig`], and what a reconnecting client claims in its
//! CONNECT auth (its private session id and the offset of the last packet it received).

use std::time::Duration;

use serde::Deserialize;

use crate::engine::{Sid, Str};

/// Connection state recovery, as node socket.io 4.6+ offers it: a client whose connection
/// dropped and that comes back in time gets the same socket id, its rooms and its session
/// values back, and every packet it missed meanwhile; [`Socket::recovered`] says so.
///
/// Turned on with [`ServerBuilder::connection_state_recovery`]; off by default, and then it
/// costs nothing. Every limit bounds one namespace's store on one node.
///
/// ```
/// use std::time::Duration;
/// use fastsio_core::{RecoveryConfig, Server};
/// let io = Server::builder()
///     .connection_state_recovery(RecoveryConfig {
///         max_disconnection_duration: Duration::from_secs(30),
///         ..RecoveryConfig::default()
///     })
///     .build()
///     .unwrap();
/// # let _ = io;
/// ```
///
/// [`Socket::recovered`]: crate::Socket::recovered
/// [`ServerBuilder::connection_state_recovery`]: crate::ServerBuilder::connection_state_recovery
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryConfig {
    /// How long a disconnected socket's record, and each packet stored for replay, is kept
    /// (default 2 minutes).
    pub max_disconnection_duration: Duration,
    /// Whether a recovered socket skips the connect middleware (default true); its connect
    /// handler runs either way.
    pub skip_middlewares: bool,
    /// The most packets stored for replay (default 10 000); the oldest go first.
    pub max_packets: usize,
    /// The most bytes of packets stored for replay (default 16 MiB); the oldest go first.
    pub max_bytes: usize,
    /// The most records of disconnected sockets kept (default 100 000); the oldest go first.
    pub max_records: usize,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        RecoveryConfig {
            max_disconnection_duration: Duration::from_secs(120),
            skip_middlewares: true,
            max_packets: 10_000,
            max_bytes: 16 << 20,
            max_records: 100_000,
        }
    }
}

/// What a reconnecting socket.io-client adds to its CONNECT auth: `{"pid": .., "offset": ..}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecoveryClaim {
    pub pid: Sid,
    pub offset: Str,
}

impl RecoveryClaim {
    /// The claim in a CONNECT auth payload, if it holds a well-formed one (both strings, the
    /// pid in our format); anything else asks for a fresh socket.
    pub fn parse(auth: &str) -> Option<RecoveryClaim> {
        #[derive(Deserialize)]
        struct Claim {
            pid: Option<String>,
            offset: Option<String>,
        }
        let claim: Claim = serde_json::from_str(auth).ok()?;
        Some(RecoveryClaim {
            pid: claim.pid?.parse().ok()?,
            offset: Str::from(claim.offset?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_need_a_valid_pid_and_a_string_offset() {
        let pid = Sid::new();
        let auth = format!(r#"{{"token":"x","pid":"{pid}","offset":"12"}}"#);
        let claim = RecoveryClaim::parse(&auth).unwrap();
        assert_eq!((claim.pid, &*claim.offset), (pid, "12"));
        assert_eq!(RecoveryClaim::parse(r#"{"token":"x"}"#), None);
        assert_eq!(RecoveryClaim::parse(&format!(r#"{{"pid":"{pid}"}}"#)), None);
        assert_eq!(
            RecoveryClaim::parse(r#"{"pid":"short","offset":"1"}"#),
            None
        );
        assert_eq!(
            RecoveryClaim::parse(&format!(r#"{{"pid":"{pid}","offset":12}}"#)),
            None
        );
        assert_eq!(RecoveryClaim::parse("{"), None);
    }
}
