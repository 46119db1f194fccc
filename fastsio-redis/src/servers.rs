//! [`Servers`]: where Redis is, one server or the nodes of a Redis Cluster, and how to open
//! each kind of connection to it.

use std::time::Duration;

use fastsio::adapter::AdapterError;
use redis::ProtocolVersion;
use redis::cluster::{ClusterClient, ClusterConfig};

use crate::config::RedisConfig;
use crate::connection::Link;
use crate::error::err;

/// One Redis server, or the nodes a Redis Cluster is reached through.
#[derive(Clone)]
pub(crate) enum Servers {
    Single(redis::Client),
    Cluster(Vec<redis::Client>),
}

impl Servers {
    /// The servers `config` names; fails only on a malformed URL.
    pub(crate) fn open(config: &RedisConfig) -> Result<Servers, AdapterError> {
        if config.cluster_nodes.is_empty() {
            return Ok(Servers::Single(
                redis::Client::open(config.url.as_str()).map_err(err)?,
            ));
        }
        let nodes = config
            .cluster_nodes
            .iter()
            .map(|url| redis::Client::open(url.as_str()).map_err(err))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Servers::Cluster(nodes))
    }

    /// A command connection (replies within `response_timeout`).
    pub(crate) async fn connect(&self, response_timeout: Duration) -> redis::RedisResult<Link> {
        match self {
            Servers::Single(client) => {
                let config = redis::AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(response_timeout))
                    .set_response_timeout(Some(response_timeout));
                let conn = client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?;
                Ok(Link::Single(conn))
            }
            Servers::Cluster(nodes) => {
                let config = ClusterConfig::new()
                    .set_connection_timeout(response_timeout)
                    .set_response_timeout(response_timeout);
                let client = cluster_client(nodes, ProtocolVersion::RESP2)?;
                let conn = client.get_async_connection_with_config(config).await?;
                Ok(Link::Cluster(conn))
            }
        }
    }

    /// The client of the server, or of one cluster node, the `turn`-th in turn: classic
    /// pub/sub reaches every node of a cluster, so a subscriber listens on any one, and on
    /// the next when it fails.
    pub(crate) fn node(&self, turn: usize) -> &redis::Client {
        match self {
            Servers::Single(client) => client,
            Servers::Cluster(nodes) => &nodes[turn % nodes.len()],
        }
    }

    /// How many nodes a subscriber may turn to.
    pub(crate) fn node_count(&self) -> usize {
        match self {
            Servers::Single(_) => 1,
            Servers::Cluster(nodes) => nodes.len(),
        }
    }
}

fn cluster_client(
    nodes: &[redis::Client],
    protocol: ProtocolVersion,
) -> redis::RedisResult<ClusterClient> {
    let infos = nodes.iter().map(|c| c.get_connection_info().clone());
    ClusterClient::builder(infos).use_protocol(protocol).build()
}
