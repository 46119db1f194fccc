//! The schema of each extractor kind: what a payload extractor reads, what a return type
//! acknowledges with, what an auth extractor expects. Implement these traits for your own
//! extractors to describe them in the contract.

use schemars::{JsonSchema, SchemaGenerator};

use super::describe::{AckShape, AckValue, AuthShape, Payload, schema_for, spread};
use crate::extract::{Auth, Bin, Data, ExtractError, RawArgs, Valid};
use crate::handler::{Ack, AckReply, IntoAckError};

/// An event payload extractor that describes the arguments it reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not describe the event payload it reads",
    note = "derive `schemars::JsonSchema` for the payload type, or implement `PayloadSchema` for a payload extractor of your own"
)]
pub trait PayloadSchema {
    /// The arguments, with their schemas added to `generator`.
    fn payload_schema(generator: &mut SchemaGenerator) -> Payload;
}

impl<T: JsonSchema> PayloadSchema for Data<T> {
    fn payload_schema(generator: &mut SchemaGenerator) -> Payload {
        Payload::of::<T>(generator)
    }
}

/// The validator constraints (`#[validate(length/range/email/url/regex)]`) are in `T`'s
/// schema: schemars reads them.
impl<T: JsonSchema> PayloadSchema for Valid<T> {
    fn payload_schema(generator: &mut SchemaGenerator) -> Payload {
        Payload::of::<T>(generator)
    }
}

impl PayloadSchema for Bin {
    fn payload_schema(_: &mut SchemaGenerator) -> Payload {
        Payload::Binary
    }
}

impl PayloadSchema for RawArgs {
    fn payload_schema(_: &mut SchemaGenerator) -> Payload {
        Payload::Any
    }
}

impl<T: PayloadSchema> PayloadSchema for Option<T> {
    fn payload_schema(generator: &mut SchemaGenerator) -> Payload {
        T::payload_schema(generator)
    }
}

impl<T: PayloadSchema> PayloadSchema for Result<T, ExtractError> {
    fn payload_schema(generator: &mut SchemaGenerator) -> Payload {
        T::payload_schema(generator)
    }
}

/// A handler return type that describes the ack it sends.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not describe the ack it sends",
    note = "derive `schemars::JsonSchema` for the type inside `Ack<T>`"
)]
pub trait AckSchema {
    /// The ack, with its schemas added to `generator`.
    fn ack_schema(generator: &mut SchemaGenerator) -> AckShape;
}

impl AckSchema for () {
    fn ack_schema(_: &mut SchemaGenerator) -> AckShape {
        AckShape {
            value: AckValue::Empty,
            codes: &[],
        }
    }
}

impl<T: JsonSchema> AckSchema for Ack<T> {
    fn ack_schema(generator: &mut SchemaGenerator) -> AckShape {
        let args = spread(schema_for::<T>(generator));
        AckShape {
            value: if args.is_empty() {
                AckValue::Empty
            } else {
                AckValue::Args(args)
            },
            codes: &[],
        }
    }
}

impl<A: AckSchema, E: IntoAckError> AckSchema for Result<A, E> {
    fn ack_schema(generator: &mut SchemaGenerator) -> AckShape {
        AckShape {
            value: A::ack_schema(generator).value,
            codes: E::CODES,
        }
    }
}

impl AckSchema for RawArgs {
    fn ack_schema(_: &mut SchemaGenerator) -> AckShape {
        AckShape {
            value: AckValue::Any,
            codes: &[],
        }
    }
}

impl AckSchema for AckReply {
    fn ack_schema(_: &mut SchemaGenerator) -> AckShape {
        AckShape {
            value: AckValue::Any,
            codes: &[],
        }
    }
}

/// A connect extractor that describes the auth payload it reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not describe the auth payload it reads",
    note = "derive `schemars::JsonSchema` for the type inside `Auth<T>`"
)]
pub trait AuthSchema {
    /// The auth payload, with its schema added to `generator`.
    fn auth_schema(generator: &mut SchemaGenerator) -> AuthShape;
}

impl<T: JsonSchema> AuthSchema for Auth<T> {
    fn auth_schema(generator: &mut SchemaGenerator) -> AuthShape {
        AuthShape::Schema(schema_for::<T>(generator))
    }
}

impl<T: JsonSchema> AuthSchema for Valid<Auth<T>> {
    fn auth_schema(generator: &mut SchemaGenerator) -> AuthShape {
        Auth::<T>::auth_schema(generator)
    }
}

impl<T: AuthSchema> AuthSchema for Option<T> {
    fn auth_schema(generator: &mut SchemaGenerator) -> AuthShape {
        T::auth_schema(generator)
    }
}

impl<T: AuthSchema> AuthSchema for Result<T, ExtractError> {
    fn auth_schema(generator: &mut SchemaGenerator) -> AuthShape {
        T::auth_schema(generator)
    }
}
