//! The typed API contract, generated from the handlers: an AsyncAPI 3.0 document (served as
//! JSON, YAML and a docs page) and TypeScript declarations for `socket.io-client`.
//!
//! The handler macros record, per handler, the event name, the payload, ack and error types;
//! `#[connect]` records the auth type; `emits(..)` on a router lists its server events. At
//! [`build()`](crate::ServerBuilder::build), with [`asyncapi(..)`](crate::ServerBuilder::asyncapi)
//! on, the schemas are generated once (schemars, validator constraints included) and the
//! documents rendered; events cost nothing more. A handler type without a JSON Schema makes
//! `build()` fail with an error that names it. See `docs/contract.md`.

mod asyncapi;
mod describe;
mod document;
mod extractors;
#[doc(hidden)]
pub mod probe;
mod routes;
mod typescript;
mod yaml;

pub use asyncapi::{AsyncApi, BUILT_IN_CODES, DEFAULT_SCRIPT_URL, DEFAULT_STYLESHEET_URL};
pub use describe::{
    AckShape, AckValue, AuthShape, DescribeConnect, DescribeEvent, DescribeServerEvent,
    EventDescription, Payload, ServerEventDescription, schema_for,
};
pub use document::{Contract, NamespaceContract};
pub use extractors::{AckSchema, AuthSchema, PayloadSchema};
/// schemars, the crate whose `JsonSchema` derive describes payload types.
pub use schemars;
pub use typescript::prefix as typescript_prefix;

pub(crate) use describe::describe_server_event;
pub(crate) use document::Recorded;

/// A server's contract with its rendered forms, built once at `build()`.
pub(crate) struct Published {
    pub contract: Contract,
    pub document: serde_json::Value,
    pub typescript: String,
    pub routes: routes::Routes,
}

impl Published {
    /// Describes every recorded handler and renders the document, the routes and the
    /// declarations.
    pub fn build(
        config: &AsyncApi,
        recorded: Vec<(String, Recorded)>,
    ) -> Result<Published, crate::BuildError> {
        let contract = Contract::build(recorded)?;
        let document = config.document(&contract);
        Ok(Published {
            routes: routes::Routes::new(config, &document),
            typescript: typescript::declarations(&contract),
            document,
            contract,
        })
    }
}
