//! [`Commands`]: the connection for commands (`PUBLISH`, `PUBSUB NUMSUB`), connected on first
//! use and again after a failure.

use std::time::Duration;

use fastsio::adapter::AdapterError;
use redis::aio::MultiplexedConnection;

use crate::error::err;

pub(crate) struct Commands {
    client: redis::Client,
    /// Held while connecting, so concurrent callers wait for one attempt instead of each
    /// opening a connection.
    slot: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    timeout: Duration,
}

impl Commands {
    pub(crate) fn new(client: redis::Client, timeout: Duration) -> Self {
        Commands {
            client,
            slot: tokio::sync::Mutex::new(None),
            timeout,
        }
    }

    async fn connection(&self) -> Result<MultiplexedConnection, AdapterError> {
        let mut slot = self.slot.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Ok(conn.clone());
        }
        let conn =
            tokio::time::timeout(self.timeout, self.client.get_multiplexed_async_connection())
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
        let result = tokio::time::timeout(self.timeout, cmd.query_async(&mut conn)).await;
        self.settle(result).await
    }

    /// Runs a pipeline; a failure drops the connection so the next call reconnects.
    pub(crate) async fn pipeline(&self, pipe: &redis::Pipeline) -> Result<(), AdapterError> {
        self.pipeline_query(pipe).await
    }

    /// Runs a pipeline and reads its replies; a failure drops the connection so the next call
    /// reconnects.
    pub(crate) async fn pipeline_query<T: redis::FromRedisValue>(
        &self,
        pipe: &redis::Pipeline,
    ) -> Result<T, AdapterError> {
        let mut conn = self.connection().await?;
        let result = tokio::time::timeout(self.timeout, pipe.query_async::<T>(&mut conn)).await;
        self.settle(result).await
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
