//! [`Commands`]: the connection for commands (`PUBLISH`, `PUBSUB NUMSUB`, `XADD`, ...),
//! connected on first use and again after a failure, to one Redis server or to a Redis
//! Cluster (where each command goes to the master of its key's slot, following `MOVED` and
//! `ASK`).

use std::collections::HashMap;
use std::time::Duration;

use fastsio::adapter::AdapterError;
use futures_util::future::join_all;
use redis::aio::MultiplexedConnection;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, SingleNodeRoutingInfo, SlotAddr};
use redis::{ServerErrorKind, Value};

use crate::error::err;
use crate::servers::Servers;
use crate::subscribers::NodeLinks;

/// A command, and the key that says which master of a Redis Cluster runs it.
pub(crate) struct Routed {
    pub(crate) key: Vec<u8>,
    pub(crate) cmd: redis::Cmd,
}

impl Routed {
    pub(crate) fn new(key: impl Into<Vec<u8>>, cmd: redis::Cmd) -> Routed {
        Routed {
            key: key.into(),
            cmd,
        }
    }
}

/// An open connection: to the server, or to the cluster.
#[derive(Clone)]
pub(crate) enum Link {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl Link {
    /// Runs a command (in a cluster, where its keys live; `PUBSUB NUMSUB` on every node,
    /// summed).
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &mut self,
        cmd: &redis::Cmd,
    ) -> redis::RedisResult<T> {
        match self {
            Link::Single(conn) => cmd.query_async(conn).await,
            Link::Cluster(conn) => cmd.query_async(conn).await,
        }
    }

    /// Runs `cmds` and returns each reply, in order. One pipeline on a single server; in a
    /// cluster, one pipeline per slot of the commands' keys, in parallel, so commands keep
    /// their order among those with the same key slot. A command whose slot moved is sent
    /// again alone, following the redirection (which also refreshes the slot map).
    async fn batch(&mut self, cmds: &[Routed]) -> redis::RedisResult<Vec<Value>> {
        let conn = match self {
            Link::Single(conn) => {
                let mut pipe = redis::pipe();
                for routed in cmds {
                    pipe.add_command(routed.cmd.clone());
                }
                return pipe.query_async(conn).await;
            }
            Link::Cluster(conn) => conn,
        };
        let mut groups: HashMap<Route, Vec<usize>> = HashMap::new();
        for (i, routed) in cmds.iter().enumerate() {
            let route = Route::with_key(&routed.key, SlotAddr::Master);
            groups.entry(route).or_default().push(i);
        }
        let sent = groups.into_iter().map(|(route, indices)| {
            let mut conn = conn.clone();
            let mut pipe = redis::pipe();
            for &i in &indices {
                pipe.add_command(cmds[i].cmd.clone());
            }
            async move {
                let to = SingleNodeRoutingInfo::SpecificNode(route);
                let replies = conn.route_pipeline(pipe, 0, indices.len(), to).await;
                (indices, replies)
            }
        });
        let mut replies = vec![Value::Nil; cmds.len()];
        for (indices, group) in join_all(sent).await {
            let group = match group {
                Ok(group) if group.len() == indices.len() => group.into_iter().map(Some).collect(),
                Ok(_) => return Err((redis::ErrorKind::Client, "short pipeline reply").into()),
                Err(e) if e.redirect_node().is_some() => vec![None; indices.len()],
                Err(e) => return Err(e),
            };
            for (i, reply) in indices.into_iter().zip(group) {
                replies[i] = match reply {
                    Some(Value::ServerError(e))
                        if matches!(
                            e.kind(),
                            Some(ServerErrorKind::Moved | ServerErrorKind::Ask)
                        ) =>
                    {
                        cmds[i].cmd.query_async(conn).await?
                    }
                    Some(reply) => reply,
                    None => cmds[i].cmd.query_async(conn).await?,
                };
            }
        }
        Ok(replies)
    }
}

pub(crate) struct Commands {
    servers: Servers,
    /// On a cluster, a connection to each node, to count subscribers.
    nodes: Option<NodeLinks>,
    /// Held while connecting, so concurrent callers wait for one attempt instead of each
    /// opening a connection.
    slot: tokio::sync::Mutex<Option<Link>>,
    timeout: Duration,
}

impl Commands {
    pub(crate) fn new(servers: Servers, timeout: Duration) -> Self {
        let nodes = match &servers {
            Servers::Single(_) => None,
            Servers::Cluster(nodes) => nodes
                .first()
                .map(|n| NodeLinks::new(n.get_connection_info().clone(), timeout)),
        };
        Commands {
            servers,
            nodes,
            slot: tokio::sync::Mutex::new(None),
            timeout,
        }
    }

    async fn connection(&self) -> Result<Link, AdapterError> {
        let mut slot = self.slot.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Ok(conn.clone());
        }
        let conn = tokio::time::timeout(self.timeout, self.servers.connect(self.timeout))
            .await
            .map_err(|_| err("timed out connecting to Redis"))?
            .map_err(|e| err(format!("cannot connect to Redis: {e}")))?;
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Runs a command; a failure drops the connection so the next call reconnects.
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        cmd: &redis::Cmd,
    ) -> Result<T, AdapterError> {
        let mut conn = self.connection().await?;
        let result = tokio::time::timeout(self.timeout, conn.query(cmd)).await;
        self.settle(result).await
    }

    /// Runs commands in as few round trips as the servers allow (see [`Link::batch`]) and
    /// returns their replies; a failure drops the connection so the next call reconnects.
    pub(crate) async fn batch(&self, cmds: &[Routed]) -> Result<Vec<Value>, AdapterError> {
        let mut conn = self.connection().await?;
        let result = tokio::time::timeout(self.timeout, conn.batch(cmds)).await;
        self.settle(result).await
    }

    /// How many clients subscribe to `channel` (`numsub`: `NUMSUB` or `SHARDNUMSUB`), on
    /// the server or over every node of the cluster.
    pub(crate) async fn subscribers(
        &self,
        numsub: &str,
        channel: &str,
    ) -> Result<usize, AdapterError> {
        let Some(nodes) = &self.nodes else {
            let mut cmd = redis::cmd("PUBSUB");
            cmd.arg(numsub).arg(channel);
            let (_, n): (String, usize) = self.query(&cmd).await?;
            return Ok(n);
        };
        let listed: String = self
            .query(&redis::cmd("CLUSTER").arg("NODES").clone())
            .await?;
        Ok(nodes.count(&listed, numsub, channel).await)
    }

    async fn settle<T>(
        &self,
        result: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, AdapterError> {
        let error = match result {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => err(e),
            Err(_) => err("timed out waiting for Redis"),
        };
        self.slot.lock().await.take();
        Err(error)
    }
}
