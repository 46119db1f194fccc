//! What the handler macros call to describe a type that may have no schema: a type with one
//! is described, a type without one is recorded as untyped (autoref specialisation on the
//! concrete type the macro names). Which argument reads the payload or the auth payload is
//! told by traits ([`ReadsPayload`], [`ReadsAuth`]), never by the types' names. Not a public
//! API.

use std::marker::PhantomData;

use schemars::SchemaGenerator;

use super::describe::{AckShape, AckValue, AuthShape, Payload};
use super::extractors::{AckSchema, AuthSchema, PayloadSchema};
use crate::extract::{Auth, Bin, Data, ExtractError, RawArgs, Valid};

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

/// The built-in extractors that read the event payload, whatever its type.
pub trait ReadsPayload {}

impl<T> ReadsPayload for Data<T> {}
impl<T> ReadsPayload for Valid<T> {}
impl ReadsPayload for Bin {}
impl ReadsPayload for RawArgs {}
impl<T: ReadsPayload> ReadsPayload for Option<T> {}
impl<T: ReadsPayload> ReadsPayload for Result<T, ExtractError> {}

/// The built-in extractors that read the auth payload, whatever its type.
pub trait ReadsAuth {}

impl<T> ReadsAuth for Auth<T> {}
impl<T> ReadsAuth for Valid<Auth<T>> {}
impl<T: ReadsAuth> ReadsAuth for Option<T> {}
impl<T: ReadsAuth> ReadsAuth for Result<T, ExtractError> {}

/// Chosen first, when `T: PayloadSchema` (`(&&Probe::<T>::new()).payload(..)`).
pub trait ViaPayloadSchema {
    /// `Some` with the payload.
    fn payload(&self, generator: &mut SchemaGenerator) -> Option<Payload>;
}

impl<T: PayloadSchema> ViaPayloadSchema for &Probe<T> {
    fn payload(&self, generator: &mut SchemaGenerator) -> Option<Payload> {
        Some(T::payload_schema(generator))
    }
}

/// Chosen next, when `T` reads the payload without describing it.
pub trait UntypedPayload {
    /// `Some` untyped payload, named after `T`.
    fn payload(&self, generator: &mut SchemaGenerator) -> Option<Payload>;
}

impl<T: ReadsPayload> UntypedPayload for &&Probe<T> {
    fn payload(&self, _: &mut SchemaGenerator) -> Option<Payload> {
        Some(Payload::Untyped(std::any::type_name::<T>()))
    }
}

/// Chosen otherwise: `T` does not read the payload.
pub trait NoPayloadSchema {
    /// `None`.
    fn payload(&self, generator: &mut SchemaGenerator) -> Option<Payload>;
}

impl<T: ?Sized> NoPayloadSchema for Probe<T> {
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

/// Chosen first, when `T: AuthSchema` (`(&&Probe::<T>::new()).auth(..)`).
pub trait ViaAuthSchema {
    /// `Some` with the auth payload.
    fn auth(&self, generator: &mut SchemaGenerator) -> Option<AuthShape>;
}

impl<T: AuthSchema> ViaAuthSchema for &Probe<T> {
    fn auth(&self, generator: &mut SchemaGenerator) -> Option<AuthShape> {
        Some(T::auth_schema(generator))
    }
}

/// Chosen next, when `T` reads the auth payload without describing it.
pub trait UntypedAuth {
    /// `Some` untyped auth payload, named after `T`.
    fn auth(&self, generator: &mut SchemaGenerator) -> Option<AuthShape>;
}

impl<T: ReadsAuth> UntypedAuth for &&Probe<T> {
    fn auth(&self, _: &mut SchemaGenerator) -> Option<AuthShape> {
        Some(AuthShape::Untyped(std::any::type_name::<T>()))
    }
}

/// Chosen otherwise: `T` does not read the auth payload.
pub trait NoAuthSchema {
    /// `None`.
    fn auth(&self, generator: &mut SchemaGenerator) -> Option<AuthShape>;
}

impl<T: ?Sized> NoAuthSchema for Probe<T> {
    fn auth(&self, _: &mut SchemaGenerator) -> Option<AuthShape> {
        None
    }
}
