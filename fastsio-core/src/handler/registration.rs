//! How routers register the handlers of `#[event]`, `#[connect]` and `#[disconnect]`, so that
//! each mistake in a handler gives one error. Hidden: only the macros use these.
//!
//! A handler attribute checks the handler where it is written (`check`), against the state it
//! declares or, when it declares none, against `AnyState`. It implements [`Registers`] for the
//! type named after the handler, for every state the handler's arguments can be extracted
//! from, and says its kind ([`OfKind`]) and the state it declares, if any ([`Declares`]). A
//! router then checks each handler against its own state through [`Registration`], which
//! picks the first that applies:
//!
//! 1. [`Fits`]: the handler registers in routes of the router's state;
//! 2. [`DeclaresAnotherState`]: it declares its state: when that is another state than the
//!    router's, this is the one error, and otherwise its arguments failed the checks where it
//!    is written, which reported them;
//! 3. [`FitsItsDefinition`]: it passed the checks where it is written, against `AnyState`:
//!    what its arguments need is missing from the router's state (a `State<T>` it does not
//!    hold), and this is the one place that reports it;
//! 4. [`ReportedAtDefinition`]: it failed the checks where it is written, which reported the
//!    mistake; or it is another kind of handler than the router's entry takes (an event
//!    handler as `disconnect = ..`), the one error.
//!
//! From the second on, the router leaves the handler out: the program does not compile
//! anyway.
//!
//! The handler-kind rules themselves (`Auth<T>` only in connect handlers...) stay in the
//! extractor traits, for every state: a misplaced extractor never compiles into a handler,
//! through a router or through `Routes::on`.

use std::marker::PhantomData;

use crate::Routes;
use crate::handler::check::AnyState;

/// The handler kinds.
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

/// Registers the handler of kind `K` that `Self` is named after in routes of the state `S`
/// (`M` tells how an event's payload is extracted). The handler macros implement it for
/// every state the handler's arguments can be extracted from, provided that it is the state
/// the handler declares, if it declares one ([`DeclaredState`]).
pub trait Registers<K, S, M> {
    /// Adds the handler (and its own middleware) to `routes`.
    fn register(routes: Routes<S>) -> Routes<S>;
}

/// `Self` is named after a handler of kind `K`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler of the kind this router entry takes",
    label = "another kind of handler",
    note = "`connect = ..` takes a #[connect] fn, `disconnect = ..` a #[disconnect] fn, and `events(..)` #[event] fns"
)]
pub trait OfKind<K> {}

/// `Self` is named after a handler of kind `K` that declares the state `D`: it was checked
/// against `D` where it is written.
pub trait Declares<K, D> {}

/// The state `T` a handler declares (`state = T`), which is the only state `Self` may be. It
/// also moves routes between the two names of that one type, for the handler's middleware,
/// written for `T`.
#[diagnostic::on_unimplemented(
    message = "this handler declares the app state `{T}`, but the router's state is `{Self}`",
    label = "declares `state = {T}`",
    note = "a handler written with `state = T` is registered by routers with `state = T`: give the router that state, or remove `state = ..` from the handler"
)]
pub trait DeclaredState<T>: Sized {
    /// The routes, as routes of `T`.
    fn to_declared(routes: Routes<Self>) -> Routes<T>;
    /// Back.
    fn from_declared(routes: Routes<T>) -> Routes<Self>;
}

impl<T> DeclaredState<T> for T {
    fn to_declared(routes: Routes<T>) -> Routes<T> {
        routes
    }

    fn from_declared(routes: Routes<T>) -> Routes<T> {
        routes
    }
}

/// The registration of the handler `H` of kind `K` by a router of state `S` (see the module
/// docs): `(&&&&Registration::<K, S, H>::new()).register(routes)`.
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

impl<K, S, H: Registers<K, S, M>, M> Fits<S, M> for &&&Registration<K, S, H> {
    fn register(&self, routes: Routes<S>) -> Routes<S> {
        H::register(routes)
    }
}

/// A handler that declares its state and does not register in routes of the router's state:
/// requiring that the router's state is the declared one fails once when it is not.
pub trait DeclaresAnotherState<K, S, H, D> {
    /// `routes`, unchanged (when the states are the same, the handler's arguments failed the
    /// checks where it is written). The bound that holds comes first: it settles `D`, which
    /// the failing bound could otherwise take from `S`.
    fn register(&self, routes: Routes<S>) -> Routes<S>
    where
        H: Declares<K, D>,
        S: DeclaredState<D>,
    {
        routes
    }
}

impl<K, S, H: Declares<K, D>, D> DeclaresAnotherState<K, S, H, D> for &&Registration<K, S, H> {}

/// A handler that passed the checks where it is written, but does not register in routes of
/// the router's state: requiring that it does reports why, once, at the router.
pub trait FitsItsDefinition<K, S, H, M> {
    /// Fails to compile, saying what the router's state lacks. The bound that holds comes
    /// first: it settles how the payload is extracted (`M`) before the failing bound is
    /// checked, so the error names the missing piece (`FromRef<AppState>` for a `State<T>`
    /// argument) rather than the whole argument.
    fn register(&self, routes: Routes<S>) -> Routes<S>
    where
        H: Registers<K, AnyState, M> + Registers<K, S, M>,
    {
        H::register(routes)
    }
}

impl<K, S, H, M> FitsItsDefinition<K, S, H, M> for &Registration<K, S, H> where
    H: Registers<K, AnyState, M>
{
}

/// A handler that failed the checks where it is written: that error is the only one. Or a
/// handler of another kind than the router's entry: requiring its kind reports that.
pub trait ReportedAtDefinition<K, H> {
    /// `routes`, unchanged.
    fn register<S>(&self, routes: Routes<S>) -> Routes<S>
    where
        H: OfKind<K>,
    {
        routes
    }
}

impl<K, S, H> ReportedAtDefinition<K, H> for Registration<K, S, H> {}
