//! What one handler or server event tells the contract: the shapes of its payload and ack,
//! as JSON Schemas from one shared [`SchemaGenerator`].

use schemars::{JsonSchema, Schema, SchemaGenerator};

/// The arguments an event carries, as the handler's payload extractor reads them.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// The handler takes no payload.
    Nothing,
    /// One schema per argument: one for a plain type, several for a tuple (`Data<(A, B)>`).
    Args(Vec<Schema>),
    /// Binary attachments (`Bin`).
    Binary,
    /// Any arguments (`RawArgs`, or a payload type that opted out with an empty schema).
    Any,
    /// A payload type without a JSON Schema: `build()` refuses it while the contract is on.
    Untyped(&'static str),
}

impl Payload {
    /// The arguments of a `T` that `Data<T>` reads: a tuple spreads into one argument per
    /// element, anything else is one argument.
    pub fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Payload {
        Payload::Args(spread(schema_for::<T>(generator)))
    }
}

/// `T`'s schema (a `$ref` to a shared definition for named types), in the generator's draft.
pub fn schema_for<T: ?Sized + JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    let mut schema = generator.subschema_for::<T>();
    for transform in generator.transforms_mut() {
        transform.transform(&mut schema);
    }
    schema
}

/// A tuple schema (`items` as an array, draft 07) spread into its elements; anything else as
/// itself. `()` is no argument.
pub(crate) fn spread(schema: Schema) -> Vec<Schema> {
    if schema.get("type").and_then(|t| t.as_str()) == Some("null") {
        return Vec::new();
    }
    match schema.get("items").and_then(|i| i.as_array()) {
        Some(items) => items
            .iter()
            .filter_map(|i| Schema::try_from(i.clone()).ok())
            .collect(),
        None => vec![schema],
    }
}

/// What a handler acknowledges with, as its return type tells.
#[derive(Debug, Clone, PartialEq)]
pub enum AckValue {
    /// `()`: an empty ack (or an error).
    Empty,
    /// One schema per ack argument (`Ack<T>`; a tuple spreads).
    Args(Vec<Schema>),
    /// Any arguments (`RawArgs`).
    Any,
    /// An ack type without a JSON Schema: `build()` refuses it while the contract is on.
    Untyped(&'static str),
}

/// A handler's ack: its value and the error codes its error type declares
/// ([`IntoAckError::CODES`](crate::handler::IntoAckError::CODES)).
#[derive(Debug, Clone, PartialEq)]
pub struct AckShape {
    /// The value of a successful ack.
    pub value: AckValue,
    /// The codes the handler's own error type may produce (empty: not declared).
    pub codes: &'static [&'static str],
}

/// What an `#[event]` handler tells the contract.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDescription {
    /// Its payload.
    pub payload: Payload,
    /// Its ack.
    pub ack: AckShape,
}

/// What a `#[connect]` handler tells the contract: the auth payload it reads.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthShape {
    /// The handler does not read the auth payload.
    Unread,
    /// `Auth<T>` or `Valid<Auth<T>>`.
    Schema(Schema),
    /// An auth type without a JSON Schema: `build()` refuses it while the contract is on.
    Untyped(&'static str),
}

/// What a server event (`#[derive(ServerEvent)]`, listed with `emits(..)`) tells the
/// contract.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerEventDescription {
    /// The wire name.
    pub name: &'static str,
    /// Its arguments.
    pub args: Vec<Schema>,
    /// What the client acks with, when the server asks (`emit_with_ack`); `None` for `()`.
    pub reply: Option<Vec<Schema>>,
}

/// A recorded event handler: builds its description into a shared generator.
pub type DescribeEvent = fn(&mut SchemaGenerator) -> EventDescription;
/// A recorded connect handler.
pub type DescribeConnect = fn(&mut SchemaGenerator) -> AuthShape;
/// A recorded server event.
pub type DescribeServerEvent = fn(&mut SchemaGenerator) -> ServerEventDescription;

/// Describes the server event `E`: its arguments and, unless its ack is `()`, the client's
/// reply.
pub(crate) fn describe_server_event<E>(generator: &mut SchemaGenerator) -> ServerEventDescription
where
    E: crate::handler::ServerEvent + JsonSchema,
    E::Ack: JsonSchema,
{
    let reply =
        (std::any::type_name::<E::Ack>() != "()").then(|| spread(schema_for::<E::Ack>(generator)));
    ServerEventDescription {
        name: E::NAME,
        args: vec![schema_for::<E>(generator)],
        reply,
    }
}
