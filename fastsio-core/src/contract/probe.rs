//! What the handler macros call to describe a type that may have no schema: a type with one
//! is described, a type without one is recorded as untyped (autoref specialisation on the
//! concrete type the macro names). Not a public API.

use std::marker::PhantomData;

use schemars::SchemaGenerator;

use super::describe::{AckShape, AckValue, AuthShape, Payload};
use super::extractors::{AckSchema, AuthSchema, PayloadSchema};

/// Stands for the type `T` in method lookup.
pub struct Probe<T: ?Sized>(PhantomData<*const T>);

impl<T: ?Sized> Probe<T> {
    /// The probe of `T`.
    pub const fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen when `T: PayloadSchema`.
pub trait ViaPayloadSchema {
    /// `Some` with the payload.
    fn payload(&self, generator: &mut SchemaGenerator) -> Option<Payload>;
}

impl<T: PayloadSchema> ViaPayloadSchema for Probe<T> {
    fn payload(&self, generator: &mut SchemaGenerator) -> Option<Payload> {
        Some(T::payload_schema(generator))
    }
}

/// Chosen otherwise.
pub trait NoPayloadSchema {
    /// `None`.
    fn payload(&self, generator: &mut SchemaGenerator) -> Option<Payload>;
}

impl<T: ?Sized> NoPayloadSchema for &Probe<T> {
    fn payload(&self, _: &mut SchemaGenerator) -> Option<Payload> {
        None
    }
}

/// Chosen when `T: AckSchema`.
pub trait ViaAckSchema {
    /// The ack.
    fn ack(&self, generator: &mut SchemaGenerator) -> AckShape;
}

impl<T: AckSchema> ViaAckSchema for Probe<T> {
    fn ack(&self, generator: &mut SchemaGenerator) -> AckShape {
        T::ack_schema(generator)
    }
}

/// Chosen otherwise: the ack is untyped.
pub trait NoAckSchema {
    /// An untyped ack.
    fn ack(&self, generator: &mut SchemaGenerator) -> AckShape;
}

impl<T: ?Sized> NoAckSchema for &Probe<T> {
    fn ack(&self, _: &mut SchemaGenerator) -> AckShape {
        AckShape {
            value: AckValue::Untyped(std::any::type_name::<T>()),
            codes: &[],
        }
    }
}

/// Chosen when `T: AuthSchema`.
pub trait ViaAuthSchema {
    /// `Some` with the auth payload.
    fn auth(&self, generator: &mut SchemaGenerator) -> Option<AuthShape>;
}

impl<T: AuthSchema> ViaAuthSchema for Probe<T> {
    fn auth(&self, generator: &mut SchemaGenerator) -> Option<AuthShape> {
        Some(T::auth_schema(generator))
    }
}

/// Chosen otherwise.
pub trait NoAuthSchema {
    /// `None`.
    fn auth(&self, generator: &mut SchemaGenerator) -> Option<AuthShape>;
}

impl<T: ?Sized> NoAuthSchema for &Probe<T> {
    fn auth(&self, _: &mut SchemaGenerator) -> Option<AuthShape> {
        None
    }
}

/// The name of `T`, for an untyped payload or auth.
pub fn type_name<T: ?Sized>() -> &'static str {
    std::any::type_name::<T>()
}
