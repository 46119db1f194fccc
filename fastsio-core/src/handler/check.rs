//! What `#[event]`, `#[connect]` and `#[disconnect]` assert where the handler is written, so
//! a mistake fails on the user's token even when the handler is never registered. Hidden: only
//! the macros call these.

use std::marker::PhantomData;

use crate::Routes;
use crate::contract::schemars::SchemaGenerator;
use crate::contract::{AckShape, AckValue, AuthShape, EventDescription, Payload};
use crate::extract::{
    FromConnectParts, FromDisconnectParts, FromEvent, FromEventParts, FromEventPayload, FromRef,
    via,
};
use crate::handler::{ConnectHandler, DisconnectHandler, EventHandler, IntoAck, IntoConnectResult};

/// The state a handler is checked against when it names none: every part of the app state is
/// reachable from it, so only what does not depend on the state is checked at the definition
/// (the router checks the rest with its real state). It has no values, so nothing is ever
/// read from it.
#[derive(Debug)]
pub enum AnyState {}

impl<T> FromRef<AnyState> for T {
    fn from_ref(state: &AnyState) -> T {
        match *state {}
    }
}

/// What an event argument before the last may be: one that leaves the payload alone.
#[diagnostic::on_unimplemented(
    message = "this extractor consumes the event payload, so it must be the last argument",
    label = "move this argument last",
    note = "an event has one payload: take several values as a tuple, `Data<(A, B)>`"
)]
pub trait BeforeLast {}

impl BeforeLast for via::Parts {}

/// An event argument before the last.
pub fn event_arg<S, M: BeforeLast, T: FromEvent<S, M>>() {}

/// The last event argument `T`, checked through `(&&Last::<S, T>::new()).last()`, which picks
/// the first that applies: [`LastTakesPayload`] for a built-in payload extractor (its payload
/// type's bound then reports what that type lacks), [`LastPayload`] for any other payload
/// extractor, and [`LastParts`], whose bound reports why `T` is not an event extractor (an
/// extractor of another handler kind gets that kind's message).
pub struct Last<S, T>(PhantomData<fn() -> (S, T)>);

impl<S, T> Last<S, T> {
    /// The check of `T` against the state `S`.
    pub const fn new() -> Self {
        Last(PhantomData)
    }
}

impl<S, T> Default for Last<S, T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The built-in payload extractors whose payload type has bounds (`Data<T>`, `Valid<T>`).
pub trait TakesPayload {}

/// A built-in payload extractor as the last event argument.
pub trait LastTakesPayload<S, T> {
    /// Requires `T: FromEventPayload<S>`.
    fn last(&self)
    where
        T: FromEventPayload<S>,
    {
    }
}

impl<S, T: TakesPayload> LastTakesPayload<S, T> for &Last<S, T> {}

/// A last event argument that takes the payload.
pub trait LastPayload {
    /// Passes.
    fn last(&self) {}
}

impl<S, T: FromEventPayload<S>> LastPayload for &&Last<S, T> {}

/// A last event argument that is not a payload extractor: it must be an event extractor.
pub trait LastParts<S, T> {
    /// Requires `T: FromEventParts<S>`.
    fn last(&self)
    where
        T: FromEventParts<S>,
    {
    }
}

impl<S, T> LastParts<S, T> for Last<S, T> {}

/// The contract of an event handler a router names but that does not exist: the router's
/// stand-in for it describes it so, and fails to register (so this is never run).
pub fn unknown_event(_: &mut SchemaGenerator) -> EventDescription {
    EventDescription {
        payload: Payload::Nothing,
        ack: AckShape {
            value: AckValue::Empty,
            codes: &[],
        },
    }
}

/// The contract of a connect handler a router names but that does not exist (see
/// [`unknown_event`]).
pub fn unknown_connect(_: &mut SchemaGenerator) -> AuthShape {
    AuthShape::Unread
}

/// An event handler's return type.
pub fn event_return<R: IntoAck>() {}

/// A handler's declared return type, for its registration: the handler is registered
/// ([`Register`], [`RegisterConnect`], [`RegisterDisconnect`]) when `R` is what its kind
/// returns, and left out ([`Unregistered`]) when it is not, since [`event_return`],
/// [`connect_return`] or [`disconnect_return`] already reported that mistake where the
/// handler is written.
pub struct Returns<R>(PhantomData<fn() -> R>);

impl<R> Returns<R> {
    /// The return type `R`.
    pub const fn new() -> Self {
        Returns(PhantomData)
    }
}

impl<R> Default for Returns<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// Registers an event handler whose return type is an ack.
pub trait Register {
    /// `routes.on(event, handler)`.
    fn on<S: Send + Sync + 'static, H: EventHandler<T, S>, T: 'static>(
        &self,
        routes: Routes<S>,
        event: &str,
        handler: H,
    ) -> Routes<S> {
        routes.on(event, handler)
    }
}

impl<R: IntoAck> Register for Returns<R> {}

/// Registers a connect handler whose return type is a connect result.
pub trait RegisterConnect {
    /// `routes.on_connect(handler)`.
    fn on_connect<S: Send + Sync + 'static, H: ConnectHandler<T, S>, T: 'static>(
        &self,
        routes: Routes<S>,
        handler: H,
    ) -> Routes<S> {
        routes.on_connect(handler)
    }
}

impl<R: IntoConnectResult> RegisterConnect for Returns<R> {}

/// Registers a disconnect handler that returns nothing.
pub trait RegisterDisconnect {
    /// `routes.on_disconnect(handler)`.
    fn on_disconnect<S: Send + Sync + 'static, H: DisconnectHandler<T, S>, T: 'static>(
        &self,
        routes: Routes<S>,
        handler: H,
    ) -> Routes<S> {
        routes.on_disconnect(handler)
    }
}

impl RegisterDisconnect for Returns<()> {}

/// Leaves out a handler whose return type is not what its kind returns (the program does not
/// compile anyway).
pub trait Unregistered {
    /// `routes`, unchanged.
    fn on<S, H>(&self, routes: Routes<S>, event: &str, handler: H) -> Routes<S> {
        let _ = (event, handler);
        routes
    }

    /// `routes`, unchanged.
    fn on_connect<S, H>(&self, routes: Routes<S>, handler: H) -> Routes<S> {
        let _ = handler;
        routes
    }

    /// `routes`, unchanged.
    fn on_disconnect<S, H>(&self, routes: Routes<S>, handler: H) -> Routes<S> {
        let _ = handler;
        routes
    }
}

impl<R> Unregistered for &Returns<R> {}

/// A connect handler's argument.
pub fn connect_arg<S, T: FromConnectParts<S>>() {}

/// A connect handler's return type.
pub fn connect_return<R: IntoConnectResult>() {}

/// A disconnect handler's argument.
pub fn disconnect_arg<S, T: FromDisconnectParts<S>>() {}

/// What a disconnect handler returns: nothing (the socket is gone).
#[diagnostic::on_unimplemented(
    message = "a disconnect handler returns nothing, not `{Self}`",
    label = "remove the return type",
    note = "the socket is gone: nobody receives what a disconnect handler returns"
)]
pub trait DisconnectReturn {}

impl DisconnectReturn for () {}

/// A disconnect handler's return type.
pub fn disconnect_return<R: DisconnectReturn>() {}
