//! [`Request`]: what this node asks the other servers of a namespace.

use std::time::Duration;

use fastsio::adapter::BroadcastOptions;
use rmpv::Value as Mp;
use serde_json::Value as Json;

/// A request to the other servers of a namespace, and its request id when it wants answers.
pub(crate) enum Request<'a> {
    /// `fetchSockets` of the sockets `opts` selects.
    FetchSockets {
        id: &'a str,
        opts: &'a BroadcastOptions,
    },
    /// `serverSideEmit` of `[event, ...args]` (`serverSideEmitWithAck` with an id).
    ServerSideEmit {
        id: Option<&'a str>,
        event: &'a str,
        args: Vec<Json>,
    },
    /// A broadcast of `packet` (msgpack) that wants acks within `timeout`.
    BroadcastWithAck {
        id: &'a str,
        packet: Mp,
        opts: &'a BroadcastOptions,
        timeout: Duration,
    },
}
