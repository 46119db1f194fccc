//! Classic pub/sub on a connection of its own: the RESP frames it receives ([`frame`]) and the
//! connection ([`subscribed`]), read by the subscriber task itself, and why that task stops
//! listening ([`stop`]).

mod frame;
mod stop;
mod subscribed;

pub(crate) use frame::Push;
pub(crate) use stop::Stop;
pub(crate) use subscribed::Subscribed;
