//! Classic pub/sub on a connection of its own: the RESP frames it receives ([`frame`]) and the
//! connection ([`subscribed`]), read by the subscriber task itself.

mod frame;
mod subscribed;

pub(crate) use frame::Push;
pub(crate) use subscribed::Subscribed;
