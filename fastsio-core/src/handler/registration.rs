//! How routers register the handlers of `#[event]`, `#[connect]` and `#[disconnect]`, so that
//! each mistake in a handler gives one error. Hidden: only the macros use these.
//!
//! A handler attribute checks the handler where it is written (`check`), against the state it
//! declares or, when it declares none, against `AnyState`, and implements [`Registers`] for
//! the type named after the handler. A router then checks each handler against its own state
//! through [`Registration`], which picks the first that applies:
//!
//! 1. [`Fits`]: the handler registers in routes of the router's state;
//! 2. [`FitsItsDefinition`]: it does not, but it passed the checks where it is written: the
//!    mistake is the router's (a `State<T>` its state does not hold, another declared state),
//!    and this is the one place that reports it;
//! 3. [`ReportedAtDefinition`]: it failed the checks where it is written, which reported the
//!    mistake: the router leaves the handler out rather than report it again.
//!
//! The handler-kind rules themselves (`Auth<T>` only in connect handlers...) stay in the
//! extractor traits, for every state: a misplaced extractor never compiles into a handler,
//! through a router or through `Routes::on`.

use std::marker::PhantomData;

use crate::Routes;
use crate::handler::{ConnectHandler, DisconnectHandler, EventHandler};

/// The handler kinds, for [`Registers`].
pub mod kind {
    /// `#[event]` handlers.
    #[derive(Debug)]
    pub enum Event {}
    /// `#[connect]` handlers.
    #[derive(Debug)]
    pub enum Connect {}
    /// `#[disconnect]` handlers.
    #[derive(Debug)]
    pub enum Disconnect {}
}

/// Registers the handler of kind `K` that `Self` is named after in routes of the state `S`.
/// The handler macros implement it: for every state its arguments can be extracted from (`M`
/// tells how the payload is, for events), or for the one state the handler declares.
#[diagnostic::on_unimplemented(
    message = "the handler `{Self}` cannot be registered by a router whose state is `{S}`",
    label = "this handler declares another state",
    note = "a handler written with `state = T` is registered by routers with `state = T`: give the router that state, or remove `state = ..` from the handler"
)]
pub trait Registers<K, S, M> {
    /// Adds the handler (and its own middleware) to `routes`.
    fn register(routes: Routes<S>) -> Routes<S>;
}

/// The state `C` a handler was checked against where it is written (`AnyState` unless it
/// declares one).
pub trait CheckedAgainst<C> {}

/// The registration of the handler `H` of kind `K` by a router of state `S` (see the module
/// docs): `(&&&Registration::<K, S, H>::new()).register(routes)`.
pub struct Registration<K, S, H>(PhantomData<(K, S, H)>);

impl<K, S, H> Registration<K, S, H> {
    /// The registration of `H` in routes of `S`.
    pub const fn new() -> Self {
        Registration(PhantomData)
    }
}

impl<K, S, H> Default for Registration<K, S, H> {
    fn default() -> Self {
        Self::new()
    }
}

/// A handler that registers in routes of the router's state.
pub trait Fits<S, M> {
    /// Registers it.
    fn register(&self, routes: Routes<S>) -> Routes<S>;
}

impl<K, S, H: Registers<K, S, M>, M> Fits<S, M> for &&Registration<K, S, H> {
    fn register(&self, routes: Routes<S>) -> Routes<S> {
        H::register(routes)
    }
}

/// A handler that passed the checks where it is written, but not against the router's state:
/// requiring that it registers reports why it does not, once, at the router.
pub trait FitsItsDefinition<K, S, H, C, M> {
    /// Fails to compile, saying what the router's state lacks. The bounds that hold come
    /// first: they settle how the payload is extracted (`M`) before the failing bound is
    /// checked, so the error names the missing piece (`FromRef<AppState>` for a `State<T>`
    /// argument) rather than the whole argument.
    fn register(&self, routes: Routes<S>) -> Routes<S>
    where
        H: CheckedAgainst<C> + Registers<K, C, M> + Registers<K, S, M>,
    {
        H::register(routes)
    }
}

impl<K, S, H, C, M> FitsItsDefinition<K, S, H, C, M> for &Registration<K, S, H> where
    H: CheckedAgainst<C> + Registers<K, C, M>
{
}

/// A handler that failed the checks where it is written: that error is the only one, and the
/// router leaves the handler out (the program does not compile anyway).
pub trait ReportedAtDefinition<S> {
    /// `routes`, unchanged.
    fn register(&self, routes: Routes<S>) -> Routes<S> {
        routes
    }
}

impl<K, S, H> ReportedAtDefinition<S> for Registration<K, S, H> {}

/// The handler `H` in the body of its [`Registers`] impl, for the state `S`:
/// `(&&Handler::<S, _>::new(handler)).on(routes, event)` (`on_connect`, `on_disconnect`)
/// registers it when it is a handler of its kind for `S` ([`RegisterEvent`],
/// [`RegisterConnect`], [`RegisterDisconnect`]), and leaves it out when it is not
/// ([`Unregistered`]): its argument or return type failed the checks where it is written,
/// which reported why.
pub struct Handler<S, H> {
    handler: H,
    _state: PhantomData<fn() -> S>,
}

impl<S, H> Handler<S, H> {
    /// The handler, for the state `S`.
    pub const fn new(handler: H) -> Self {
        Handler {
            handler,
            _state: PhantomData,
        }
    }
}

/// An event handler for the state `S`.
pub trait RegisterEvent<S, T> {
    /// `routes.on(event, handler)`.
    fn on(&self, routes: Routes<S>, event: &str) -> Routes<S>;
}

impl<S, H, T> RegisterEvent<S, T> for &Handler<S, H>
where
    S: Send + Sync + 'static,
    H: EventHandler<T, S> + Clone,
    T: 'static,
{
    fn on(&self, routes: Routes<S>, event: &str) -> Routes<S> {
        routes.on(event, self.handler.clone())
    }
}

/// A connect handler for the state `S`.
pub trait RegisterConnect<S, T> {
    /// `routes.on_connect(handler)`.
    fn on_connect(&self, routes: Routes<S>) -> Routes<S>;
}

impl<S, H, T> RegisterConnect<S, T> for &Handler<S, H>
where
    S: Send + Sync + 'static,
    H: ConnectHandler<T, S> + Clone,
    T: 'static,
{
    fn on_connect(&self, routes: Routes<S>) -> Routes<S> {
        routes.on_connect(self.handler.clone())
    }
}

/// A disconnect handler for the state `S`.
pub trait RegisterDisconnect<S, T> {
    /// `routes.on_disconnect(handler)`.
    fn on_disconnect(&self, routes: Routes<S>) -> Routes<S>;
}

impl<S, H, T> RegisterDisconnect<S, T> for &Handler<S, H>
where
    S: Send + Sync + 'static,
    H: DisconnectHandler<T, S> + Clone,
    T: 'static,
{
    fn on_disconnect(&self, routes: Routes<S>) -> Routes<S> {
        routes.on_disconnect(self.handler.clone())
    }
}

/// A handler whose mistakes were reported where it is written: left out.
pub trait Unregistered<S> {
    /// `routes`, unchanged.
    fn on(&self, routes: Routes<S>, event: &str) -> Routes<S> {
        let _ = event;
        routes
    }

    /// `routes`, unchanged.
    fn on_connect(&self, routes: Routes<S>) -> Routes<S> {
        routes
    }

    /// `routes`, unchanged.
    fn on_disconnect(&self, routes: Routes<S>) -> Routes<S> {
        routes
    }
}

impl<S, H> Unregistered<S> for Handler<S, H> {}
