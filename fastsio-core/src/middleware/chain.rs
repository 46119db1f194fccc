//! Handlers wrapped in their middleware chains (composed once, when the server is built).

use std::sync::Arc;

use super::{ConnectNext, Middleware, Next};
use crate::error::ConnectError;
use crate::handler::{
    AckReply, BoxFuture, ConnectContext, ErasedConnectHandler, ErasedEventHandler, EventContext,
};

/// An event handler behind its middleware.
pub(crate) struct ChainedEvent {
    chain: Arc<[Arc<dyn Middleware>]>,
    handler: Arc<dyn ErasedEventHandler>,
}

impl ChainedEvent {
    /// `handler` behind `chain` (outermost first); without middleware, `handler` itself.
    pub fn wrap(
        chain: Vec<Arc<dyn Middleware>>,
        handler: Arc<dyn ErasedEventHandler>,
    ) -> Arc<dyn ErasedEventHandler> {
        if chain.is_empty() {
            return handler;
        }
        Arc::new(ChainedEvent {
            chain: chain.into(),
            handler,
        })
    }
}

impl ErasedEventHandler for ChainedEvent {
    fn call(&self, cx: EventContext) -> BoxFuture<AckReply> {
        Next {
            chain: self.chain.clone(),
            index: 0,
            handler: self.handler.clone(),
        }
        .run(cx)
    }
}

/// A connect handler (or none) behind its middleware.
pub(crate) struct ChainedConnect {
    chain: Arc<[Arc<dyn Middleware>]>,
    handler: Option<Arc<dyn ErasedConnectHandler>>,
}

impl ChainedConnect {
    /// `handler` behind `chain`; `None` when there is nothing to run at all.
    pub fn wrap(
        chain: Vec<Arc<dyn Middleware>>,
        handler: Option<Arc<dyn ErasedConnectHandler>>,
    ) -> Option<Arc<dyn ErasedConnectHandler>> {
        if chain.is_empty() {
            return handler;
        }
        Some(Arc::new(ChainedConnect {
            chain: chain.into(),
            handler,
        }))
    }
}

impl ErasedConnectHandler for ChainedConnect {
    fn call(&self, cx: ConnectContext) -> BoxFuture<Result<(), ConnectError>> {
        ConnectNext {
            chain: self.chain.clone(),
            index: 0,
            handler: self.handler.clone(),
        }
        .run(cx)
    }
}
