//! What `#[event]`, `#[connect]` and `#[disconnect]` assert where the handler is written, so
//! a mistake fails on the user's token even when the handler is never registered. Hidden: only
//! the macros call these.

use std::marker::PhantomData;

use crate::Routes;
use crate::extract::{FromConnectParts, FromDisconnectParts, FromEvent, FromRef, via};
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

/// The last event argument.
pub fn event_last<S, M, T: FromEvent<S, M>>() {}

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
