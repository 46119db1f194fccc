//! [`Membership`]: one namespace's place in a cluster, on either wire protocol: its adapter
//! id, this node's rooms, the namespace once created. It serves the namespace from `init`
//! until it is dropped.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use fastsio::adapter::{
    AdapterError, AdapterFuture, BroadcastOptions, LocalAdapter, LocalNamespace, RemoteAcks,
    RemoteSocket,
};
use fastsio::protocol::EncodedPacket;

use crate::error::err;
use crate::namespaces::Served;
use crate::requests::{self, RequestWire};

/// A cluster on one wire protocol, as its adapters see it.
pub(crate) trait Serves: RequestWire {
    /// Starts serving a namespace: other nodes' messages for it reach `served.ns`.
    fn serve(&self, nsp: &str, served: Served);
    /// Stops serving a namespace, if `adapter` still serves it.
    fn unserve(&self, nsp: &str, adapter: u64);
}

/// One namespace's adapter state in cluster `C`.
pub(crate) struct Membership<C: Serves> {
    id: u64,
    /// This node's rooms.
    pub(crate) local: Arc<LocalAdapter>,
    nsp: OnceLock<String>,
    pub(crate) cluster: Arc<C>,
}

impl<C: Serves> Membership<C> {
    pub(crate) fn new(cluster: Arc<C>) -> Membership<C> {
        Membership {
            id: cluster.node().namespaces.next_adapter_id(),
            local: Arc::new(LocalAdapter::new()),
            nsp: OnceLock::new(),
            cluster,
        }
    }

    /// The namespace's path, once it is created.
    pub(crate) fn path(&self) -> Option<&str> {
        self.nsp.get().map(String::as_str)
    }

    /// The namespace's path, or an error before it is created.
    pub(crate) fn nsp(&self) -> Result<String, AdapterError> {
        self.nsp
            .get()
            .cloned()
            .ok_or_else(|| err("the adapter serves no namespace yet"))
    }

    /// Serves `namespace` in the cluster (the first namespace only).
    pub(crate) fn init(&self, namespace: LocalNamespace) {
        let Some(nsp) = namespace.path() else { return };
        if self.nsp.set(nsp.clone()).is_err() {
            return;
        }
        let served = Served {
            adapter: self.id,
            ns: namespace,
            rooms: self.local.clone(),
        };
        self.cluster.serve(&nsp, served);
    }

    /// [`requests::broadcast_with_ack`] in this namespace.
    pub(crate) fn broadcast_with_ack(
        &self,
        packet: EncodedPacket,
        opts: BroadcastOptions,
        timeout: Duration,
    ) -> AdapterFuture<'static, RemoteAcks> {
        requests::broadcast_with_ack(self.cluster.clone(), self.nsp(), packet, opts, timeout)
    }

    /// [`requests::fetch_sockets`] in this namespace.
    pub(crate) fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> AdapterFuture<'static, Vec<RemoteSocket>> {
        requests::fetch_sockets(self.cluster.clone(), self.nsp(), opts)
    }

    /// How many servers serve this namespace.
    pub(crate) fn server_count(&self) -> AdapterFuture<'static, usize> {
        let cluster = self.cluster.clone();
        let nsp = self.nsp();
        Box::pin(async move { requests::server_count(&*cluster, &nsp?).await })
    }
}

impl<C: Serves> Drop for Membership<C> {
    fn drop(&mut self) {
        if let Some(nsp) = self.nsp.get() {
            self.cluster.unserve(nsp, self.id);
        }
    }
}
