//! The request/answer flow both wire protocols share: a request goes to the other servers of
//! a namespace, and their answers come back to it by request id. [`Requests`] holds the
//! requests waiting for answers, [`RequestWire`] is what each protocol does its own way
//! (how a [`Request`] is written, where it goes, how an answer reads), and the flows in `flow`
//! are written once over it, with the answering side of a broadcast with acks.

mod ack_answers;
mod flow;
mod request;
mod table;
mod wire;

pub(crate) use ack_answers::{AckAnswer, deliver_with_acks};
pub(crate) use flow::{
    broadcast_with_ack, fetch_sockets, request, server_count, server_side_emit,
    server_side_emit_with_ack,
};
pub(crate) use request::Request;
pub(crate) use table::Requests;
pub(crate) use wire::RequestWire;
