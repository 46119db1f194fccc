//! [`Node`]: what this node keeps in a cluster on either wire protocol: its uid, its Redis
//! connections, the namespaces it serves, its waiting requests, its server-side handler.

use std::sync::Arc;

use fastsio::adapter::AdapterError;

use crate::config::RedisConfig;
use crate::connection::Commands;
use crate::namespaces::Namespaces;
use crate::publisher::{Outbox, Publish};
use crate::requests::Requests;
use crate::server_side::ServerSideSlot;
use crate::servers::Servers;
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
    /// A node on the Redis `config` names that publishes on sharded pub/sub if `sharded`,
    /// classic pub/sub otherwise (inside a tokio runtime: it starts the publisher task), and
    /// the servers its subscriber connects to. Fails only on a malformed URL.
    pub(crate) fn start(
        config: RedisConfig,
        sharded: bool,
    ) -> Result<(Node, Servers), AdapterError> {
        let servers = Servers::open(&config)?;
        let commands = Arc::new(Commands::new(servers.clone(), config.request_timeout));
        let uid = random_id(6);
        let publish = match sharded {
            true => Publish::Sharded,
            false => Publish::Classic(uid.clone()),
        };
        let node = Node {
            uid,
            outbox: Outbox::start(
                commands.clone(),
                publish,
                config.max_queued,
                config.publish_linger,
            ),
            config,
            commands,
            server_side: ServerSideSlot::default(),
            namespaces: Namespaces::default(),
            requests: Requests::default(),
        };
        Ok((node, servers))
    }
}
