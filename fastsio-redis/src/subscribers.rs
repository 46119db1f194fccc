//! [`NodeLinks`]: counting the subscribers of a channel over every node of a Redis Cluster
//! (`PUBSUB NUMSUB` and `SHARDNUMSUB` count a node's own clients only). The nodes are those
//! `CLUSTER NODES` lists, replicas included (a classic subscriber may listen on a replica),
//! each asked on a connection kept for the next count.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::join_all;
use redis::aio::MultiplexedConnection;
use redis::{ConnectionAddr, ConnectionInfo, Value};

/// Connections to each node, by address, for counting.
pub(crate) struct NodeLinks {
    /// Credentials and TLS settings every node shares (those of the first node listed).
    template: ConnectionInfo,
    links: Mutex<HashMap<(String, u16), MultiplexedConnection>>,
    timeout: Duration,
}

impl NodeLinks {
    pub(crate) fn new(template: ConnectionInfo, timeout: Duration) -> NodeLinks {
        NodeLinks {
            template,
            links: Mutex::new(HashMap::new()),
            timeout,
        }
    }

    fn links(&self) -> MutexGuard<'_, HashMap<(String, u16), MultiplexedConnection>> {
        self.links.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The subscribers of `channel` on every node that `nodes` (a `CLUSTER NODES` reply)
    /// lists as reachable, summed; `numsub` is `NUMSUB` or `SHARDNUMSUB`. A node that does
    /// not answer counts none: its subscribers lost their connection with it.
    pub(crate) async fn count(&self, nodes: &str, numsub: &str, channel: &str) -> usize {
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg(numsub).arg(channel);
        let asked = live_nodes(nodes).into_iter().map(|addr| {
            let cmd = &cmd;
            async move {
                let mut conn = self.link(&addr).await?;
                let reply = tokio::time::timeout(self.timeout, cmd.query_async(&mut conn)).await;
                match reply {
                    Ok(Ok(Value::Array(pair))) => match pair.get(1) {
                        Some(Value::Int(n)) => usize::try_from(*n).ok(),
                        _ => None,
                    },
                    _ => {
                        self.links().remove(&addr);
                        None
                    }
                }
            }
        });
        join_all(asked).await.into_iter().flatten().sum()
    }

    async fn link(&self, addr: &(String, u16)) -> Option<MultiplexedConnection> {
        if let Some(conn) = self.links().get(addr) {
            return Some(conn.clone());
        }
        let (host, port) = addr.clone();
        let to = match self.template.addr() {
            ConnectionAddr::TcpTls {
                insecure,
                tls_params,
                ..
            } => ConnectionAddr::TcpTls {
                host,
                port,
                insecure: *insecure,
                tls_params: tls_params.clone(),
            },
            _ => ConnectionAddr::Tcp(host, port),
        };
        let client = redis::Client::open(self.template.clone().set_addr(to)).ok()?;
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        let conn = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .ok()?;
        self.links().insert(addr.clone(), conn.clone());
        Some(conn)
    }
}

/// The addresses of the nodes in a `CLUSTER NODES` reply that are neither failing nor
/// joining.
fn live_nodes(nodes: &str) -> Vec<(String, u16)> {
    nodes
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (addr, flags) = (fields.get(1)?, fields.get(2)?);
            let bad = ["fail", "handshake", "noaddr"];
            if bad.iter().any(|b| flags.contains(b)) {
                return None;
            }
            let (host, port) = addr.split(['@', ',']).next()?.rsplit_once(':')?;
            Some((host.to_string(), port.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_nodes_are_read_from_cluster_nodes() {
        let nodes = "a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\n\
                     b2 127.0.0.1:7001@17001,host slave a1 0 0 1 connected\n\
                     c3 127.0.0.1:7002@17002 master,fail - 0 0 2 disconnected\n\
                     d4 :0@0 master,noaddr - 0 0 0 disconnected\n";
        assert_eq!(
            live_nodes(nodes),
            vec![("127.0.0.1".into(), 7000), ("127.0.0.1".into(), 7001)]
        );
    }
}
