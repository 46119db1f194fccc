//! [`Dialer`]: a stream to the server through the [`Connector`], with TLS on top for
//! `https://` and `wss://` URLs.

use std::fmt;
use std::sync::Arc;

use crate::connector::{Connector, Stream};
use crate::error::EngineError;

/// How each transport reaches the server.
#[derive(Clone)]
pub(crate) struct Dialer {
    pub connector: Arc<dyn Connector>,
    #[cfg(feature = "tls")]
    pub tls: Option<Tls>,
}

/// TLS settings of a secure endpoint.
#[cfg(feature = "tls")]
#[derive(Clone)]
pub(crate) struct Tls {
    pub connector: tokio_rustls::TlsConnector,
    pub server_name: rustls::pki_types::ServerName<'static>,
}

impl Dialer {
    /// Plain TCP.
    #[cfg(test)]
    pub fn tcp() -> Self {
        Dialer {
            connector: Arc::new(crate::connector::TcpConnector),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Opens a stream to `authority`.
    pub async fn dial(&self, authority: &str) -> Result<Box<dyn Stream>, EngineError> {
        let stream = self
            .connector
            .connect(authority)
            .await
            .map_err(|e| EngineError::Io(e.to_string()))?;
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            let stream = tls
                .connector
                .connect(tls.server_name.clone(), stream)
                .await
                .map_err(|e| EngineError::Tls(e.to_string()))?;
            return Ok(Box::new(stream));
        }
        Ok(stream)
    }
}

impl fmt::Debug for Dialer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Dialer");
        #[cfg(feature = "tls")]
        d.field("tls", &self.tls.is_some());
        d.finish_non_exhaustive()
    }
}
