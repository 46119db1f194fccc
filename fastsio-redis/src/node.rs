//! [`Node`]: what this node keeps in a cluster on either wire protocol: its uid, its Redis
//! connections, the namespaces it serves, its waiting requests, its server-side handler.

use std::sync::Arc;

use fastsio::adapter::AdapterError;

use crate::config::RedisConfig;
use crate::connection::Commands;
use crate::error::err;
use crate::namespaces::Namespaces;
use crate::publisher::Outbox;
use crate::requests::Requests;
use crate::server_side::ServerSideSlot;
use crate::wire::random_id;

/// One node's state in a cluster, whatever the wire protocol.
pub(crate) struct Node {
    pub(crate) config: RedisConfig,
    /// This node's uid on the wire.
    pub(crate) uid: String,
    pub(crate) commands: Arc<Commands>,
    pub(crate) outbox: Outbox,
    pub(crate) server_side: ServerSideSlot,
    pub(crate) namespaces: Namespaces,
    pub(crate) requests: Requests,
}

impl Node {
    /// A node on Redis at `config.url` that publishes with `publish` (`PUBLISH` or
    /// `SPUBLISH`; inside a tokio runtime: it starts the publisher task), and the client its
    /// subscriber connects with. Fails only on a malformed URL.
    pub(crate) fn start(
        config: RedisConfig,
        publish: &'static str,
    ) -> Result<(Node, redis::Client), AdapterError> {
        let client = redis::Client::open(config.url.as_str()).map_err(err)?;
        let commands = Arc::new(Commands::new(client.clone(), config.request_timeout));
        let node = Node {
            uid: random_id(6),
            outbox: Outbox::start(commands.clone(), publish, config.max_queued),
            config,
            commands,
            server_side: ServerSideSlot::default(),
            namespaces: Namespaces::default(),
            requests: Requests::default(),
        };
        Ok((node, client))
    }
}
