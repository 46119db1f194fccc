//! [`NsParam`]: the parameters of a dynamic namespace.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::extract::{ExtractError, from_socket};
use crate::handler::AckErrorBody;
use crate::socket::SocketRef;

/// The parameters of a dynamic namespace (`/room/{id}` connected as `/room/42`): with one
/// parameter, `T` is its value (`NsParam<u32>`, `NsParam<String>`); with several, `T` is a
/// struct with one field per parameter.
///
/// ```
/// use fastsio_core::{Routes, extract::NsParam, handler::Ack};
/// async fn which(NsParam(id): NsParam<u32>) -> Ack<u32> {
///     Ack(id)
/// }
/// let routes: Routes = Routes::new("/room/{id}").on("which", which);
/// # let _ = routes;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NsParam<T>(pub T);

fn read<T: DeserializeOwned>(socket: &SocketRef) -> Result<NsParam<T>, ExtractError> {
    let params = socket.ns.params();
    let value = match params {
        [(_, single)] => serde_json::from_str::<T>(single)
            .or_else(|_| serde_json::from_value::<T>(Value::String(single.clone()))),
        _ => serde_json::from_value::<T>(Value::Object(
            params
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )),
    };
    value.map(NsParam).map_err(|e| {
        ExtractError(AckErrorBody::new(
            "validation_failed",
            format!("namespace parameters do not fit: {e}"),
        ))
    })
}

from_socket!(impl<T> for NsParam<T> where [T: DeserializeOwned + Send + 'static], |socket, _| read(
    socket
));
