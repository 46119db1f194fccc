//! [`Bin`]: the event's binary attachments.

use std::future::Future;

use bytes::Bytes;

use crate::extract::{ExtractError, FromEventPayload};
use crate::handler::EventContext;

/// The binary attachments of the event, in placeholder order.
///
/// ```
/// use fastsio_core::{Routes, extract::Bin, handler::Ack};
/// async fn upload(Bin(files): Bin) -> Ack<usize> {
///     Ack(files.iter().map(|f| f.len()).sum())
/// }
/// let routes: Routes = Routes::new("/").on("upload", upload);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bin(pub Vec<Bytes>);

impl<S> FromEventPayload<S> for Bin {
    fn from_event_payload(
        cx: &mut EventContext,
        _: &S,
    ) -> impl Future<Output = Result<Self, ExtractError>> + Send {
        std::future::ready(Ok(Bin(std::mem::take(&mut cx.attachments))))
    }
}
