//! The contract as a value: every namespace's events, acks, server events and auth, with the
//! shared schema definitions. Built once at `build()` from what the routes recorded.

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use super::describe::{
    AckValue, AuthShape, DescribeConnect, DescribeEvent, DescribeServerEvent, EventDescription,
    Payload, ServerEventDescription,
};
use crate::BuildError;

/// What a namespace's routes recorded for the contract, until `build()`.
#[derive(Default)]
pub(crate) struct Recorded {
    pub events: Vec<(String, DescribeEvent)>,
    pub connect: Option<DescribeConnect>,
    pub emits: Vec<DescribeServerEvent>,
}

impl Recorded {
    /// Adds what another router on the same namespace recorded.
    pub fn merge(&mut self, other: Recorded) {
        self.events.extend(other.events);
        self.connect = self.connect.or(other.connect);
        self.emits.extend(other.emits);
    }
}

/// One namespace in the contract.
#[derive(Debug, Clone)]
pub struct NamespaceContract {
    /// The namespace (`/chat`; `/room/{id}` for a dynamic one).
    pub path: String,
    /// The auth payload its connect handler reads.
    pub auth: AuthShape,
    /// The client→server events, in registration order.
    pub events: Vec<(String, EventDescription)>,
    /// The server→client events listed with `emits(..)`.
    pub server_events: Vec<ServerEventDescription>,
}

/// A server's API contract: what the AsyncAPI document and the TypeScript declarations are
/// written from.
#[derive(Debug, Clone)]
pub struct Contract {
    /// The namespaces that declared routes, in the order they were added.
    pub namespaces: Vec<NamespaceContract>,
    /// The named schemas the namespaces refer to (`#/components/schemas/<name>`).
    pub schemas: Map<String, Value>,
}

/// Where shared schema definitions live: AsyncAPI's components.
pub(crate) const DEFINITIONS: &str = "#/components/schemas/";

/// JSON Schema draft 07 (AsyncAPI's schema dialect), definitions under the components.
fn generator() -> SchemaGenerator {
    SchemaSettings::draft07()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

impl Contract {
    /// Describes every recorded handler; a type without a schema is an error naming it.
    pub(crate) fn build(recorded: Vec<(String, Recorded)>) -> Result<Contract, BuildError> {
        let mut generator = generator();
        let mut untyped = Vec::new();
        let mut namespaces = Vec::new();
        for (path, rec) in recorded {
            let auth = rec
                .connect
                .map_or(AuthShape::Unread, |describe| describe(&mut generator));
            if let AuthShape::Untyped(ty) = auth {
                untyped.push(format!("the auth `{ty}` of namespace {path:?}"));
            }
            let mut events = Vec::new();
            for (name, describe) in rec.events {
                let event = describe(&mut generator);
                if let Payload::Untyped(ty) = event.payload {
                    untyped.push(format!("the payload `{ty}` of event {name:?} in {path:?}"));
                }
                if let AckValue::Untyped(ty) = event.ack.value {
                    untyped.push(format!("the ack `{ty}` of event {name:?} in {path:?}"));
                }
                events.push((name, event));
            }
            let server_events = rec.emits.iter().map(|d| d(&mut generator)).collect();
            namespaces.push(NamespaceContract {
                path,
                auth,
                events,
                server_events,
            });
        }
        if !untyped.is_empty() {
            return Err(BuildError(format!(
                "the API contract is on (`asyncapi(..)`) but {} no JSON Schema: derive `schemars::JsonSchema` for it, or implement `JsonSchema` by hand to describe it as you wish (docs/contract.md)",
                match untyped.as_slice() {
                    [one] => format!("{one} has"),
                    many => format!("{} have", many.join(", ")),
                }
            )));
        }
        Ok(Contract {
            namespaces,
            schemas: generator.take_definitions(true),
        })
    }
}
