//! The AsyncAPI 3.0 document: each namespace a channel, each client event a `receive`
//! operation with its ack as the reply, each server event a `send` operation.

use std::collections::HashSet;

use schemars::Schema;
use serde_json::{Map, Value, json};

use super::describe::{AckShape, AckValue, AuthShape, Payload};
use super::document::{Contract, DEFINITIONS, NamespaceContract};

/// The codes fastsio itself may put in an ack error, whatever the handler: an invalid payload,
/// the built-in rate limit and timeout middleware, a panic or an encoding failure.
pub const BUILT_IN_CODES: &[&str] = &["validation_failed", "rate_limited", "timeout", "internal"];

/// The name of the shared ack error schema.
pub(crate) const ACK_ERROR: &str = "AckError";

/// Configures the API contract: the AsyncAPI document's info and where its routes are served.
///
/// ```
/// use fastsio_core::{Server, contract::AsyncApi};
/// let io = Server::builder()
///     .asyncapi(AsyncApi::new().title("Chat").version("1.2.0").description("Rooms and messages"))
///     .build()
///     .unwrap();
/// assert_eq!(io.asyncapi().unwrap()["info"]["title"], "Chat");
/// ```
#[derive(Debug, Clone)]
pub struct AsyncApi {
    pub(crate) title: String,
    pub(crate) version: String,
    pub(crate) description: Option<String>,
    pub(crate) path: String,
    pub(crate) script_url: String,
    pub(crate) stylesheet_url: String,
}

/// The AsyncAPI React component's standalone bundle on a CDN (the page's default script).
pub const DEFAULT_SCRIPT_URL: &str =
    "https://unpkg.com/@asyncapi/react-component@3.2.1/browser/standalone/index.js";
/// Its stylesheet on the same CDN.
pub const DEFAULT_STYLESHEET_URL: &str =
    "https://unpkg.com/@asyncapi/react-component@3.2.1/styles/default.min.css";

impl Default for AsyncApi {
    fn default() -> Self {
        AsyncApi {
            title: "Socket.IO API".into(),
            version: "0.1.0".into(),
            description: None,
            path: "/asyncapi".into(),
            script_url: DEFAULT_SCRIPT_URL.into(),
            stylesheet_url: DEFAULT_STYLESHEET_URL.into(),
        }
    }
}

impl AsyncApi {
    /// The defaults: title "Socket.IO API", version "0.1.0", routes under `/asyncapi`, the
    /// page's script from a CDN.
    pub fn new() -> Self {
        Self::default()
    }

    /// The document's `info.title`.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The document's `info.version` (your API's version).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The document's `info.description` (CommonMark).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Where the routes are served: `{path}` (the page), `{path}.json` and `{path}.yaml`
    /// (default `/asyncapi`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The URL of the page's script, the AsyncAPI React component's standalone bundle
    /// (default: [`DEFAULT_SCRIPT_URL`]). Serve it yourself where the browser cannot reach
    /// the CDN.
    pub fn script_url(mut self, url: impl Into<String>) -> Self {
        self.script_url = url.into();
        self
    }

    /// The URL of the page's stylesheet (default: [`DEFAULT_STYLESHEET_URL`]).
    pub fn stylesheet_url(mut self, url: impl Into<String>) -> Self {
        self.stylesheet_url = url.into();
        self
    }

    /// The AsyncAPI 3.0 document of `contract`.
    pub(crate) fn document(&self, contract: &Contract) -> Value {
        let mut info = json!({ "title": self.title, "version": self.version });
        if let Some(d) = &self.description {
            info["description"] = json!(d);
        }
        let mut channels = Map::new();
        let mut operations = Map::new();
        let mut channel_ids = HashSet::new();
        for ns in &contract.namespaces {
            let id = unique(&ident(&ns.path, "root"), &mut channel_ids);
            let (channel, ops) = channel(&id, ns);
            channels.insert(id, channel);
            operations.extend(ops);
        }
        let mut schemas = contract.schemas.clone();
        schemas.insert(ACK_ERROR.into(), ack_error(&[]).into());
        json!({
            "asyncapi": "3.0.0",
            "info": info,
            "defaultContentType": "application/json",
            "channels": channels,
            "operations": operations,
            "components": { "schemas": schemas },
        })
    }
}

/// A name made of `[A-Za-z0-9_-]` (what AsyncAPI allows as a key), `empty` when nothing is left.
fn ident(name: &str, empty: &str) -> String {
    let id: String = name
        .trim_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() { empty.into() } else { id }
}

/// `id`, or `id_2`, `id_3`... when taken.
fn unique(id: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = id.to_string();
    let mut n = 1;
    while !taken.insert(candidate.clone()) {
        n += 1;
        candidate = format!("{id}_{n}");
    }
    candidate
}

/// The ack error envelope; with `codes`, the code is one of them or a built-in one.
pub(crate) fn ack_error(codes: &[&str]) -> Schema {
    let mut code = json!({ "type": "string" });
    if !codes.is_empty() {
        let mut all: Vec<&str> = codes.to_vec();
        all.extend(BUILT_IN_CODES.iter().filter(|c| !codes.contains(c)));
        code["enum"] = json!(all);
    }
    Schema::try_from(json!({
        "type": "object",
        "description": "fastsio's ack error: the first ack argument when the event failed",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": code,
                    "message": { "type": "string" },
                    "details": {},
                },
            },
        },
    }))
    .unwrap_or_default()
}

/// Several arguments as one array schema (one item per argument); one as itself.
fn arguments(args: &[Schema]) -> Value {
    match args {
        [one] => one.clone().into(),
        many => json!({
            "type": "array",
            "description": "the event's arguments, in order",
            "items": many,
            "minItems": many.len(),
            "maxItems": many.len(),
        }),
    }
}

/// The payload schema of an event's arguments (`None`: the handler reads none).
fn payload(p: &Payload) -> Option<Value> {
    match p {
        Payload::Nothing | Payload::Untyped(_) => None,
        Payload::Args(args) if args.is_empty() => None,
        Payload::Args(args) => Some(arguments(args)),
        Payload::Binary => Some(json!({
            "type": "string",
            "format": "binary",
            "description": "binary attachments",
        })),
        Payload::Any => Some(json!({ "description": "any arguments" })),
    }
}

/// The reply's payload: the ack value or the error envelope.
fn reply(ack: &AckShape) -> Value {
    let error = if ack.codes.is_empty() {
        json!({ "$ref": format!("{DEFINITIONS}{ACK_ERROR}") })
    } else {
        ack_error(ack.codes).into()
    };
    let value = match &ack.value {
        AckValue::Empty | AckValue::Untyped(_) => {
            return json!({
                "description": "an empty ack, or an error",
                "oneOf": [{ "type": "null" }, error],
            });
        }
        AckValue::Args(args) => arguments(args),
        AckValue::Any => json!({ "description": "any arguments" }),
    };
    json!({ "oneOf": [value, error] })
}

/// A namespace's channel and its operations.
fn channel(id: &str, ns: &NamespaceContract) -> (Value, Map<String, Value>) {
    let channel_ref = json!({ "$ref": format!("#/channels/{id}") });
    let mut messages = Map::new();
    let mut operations = Map::new();
    let mut taken = HashSet::new();
    let mut op_ids = HashSet::new();
    let mut add = |messages: &mut Map<String, Value>, base: &str, message: Value| {
        let key = unique(&ident(base, "message"), &mut taken);
        messages.insert(key.clone(), message);
        json!({ "$ref": format!("#/channels/{id}/messages/{key}") })
    };
    let mut operation = |name: &str, action: &str, op: Value| {
        let key = unique(
            &format!("{id}_{action}_{}", ident(name, "event")),
            &mut op_ids,
        );
        operations.insert(key, op);
    };

    let auth = match &ns.auth {
        AuthShape::Schema(s) => {
            json!({ "name": "connect", "title": "connect (auth)", "payload": s })
        }
        AuthShape::Unread | AuthShape::Untyped(_) => {
            json!({ "name": "connect", "title": "connect (auth)", "summary": "the auth payload is not read" })
        }
    };
    let auth = add(&mut messages, "connect", auth);
    operation(
        "connect",
        "receive",
        json!({
            "action": "receive",
            "summary": "A client connects to the namespace with this auth payload.",
            "channel": channel_ref,
            "messages": [auth],
        }),
    );
    let refused = add(
        &mut messages,
        "connect_error",
        json!({
            "name": "connect_error",
            "summary": "The connection was refused.",
            "payload": {
                "type": "object",
                "required": ["message"],
                "properties": { "message": { "type": "string" }, "data": {} },
            },
        }),
    );
    operation(
        "connect_error",
        "send",
        json!({
            "action": "send",
            "summary": "Refuses a connection (the auth payload was invalid, or a middleware refused it).",
            "channel": channel_ref,
            "messages": [refused],
        }),
    );

    for (name, event) in &ns.events {
        let mut message = json!({ "name": name });
        if let Some(p) = payload(&event.payload) {
            message["payload"] = p;
        }
        let message = add(&mut messages, name, message);
        let ack = add(
            &mut messages,
            &format!("{name}_ack"),
            json!({ "title": format!("{name} ack"), "payload": reply(&event.ack) }),
        );
        operation(
            name,
            "receive",
            json!({
                "action": "receive",
                "channel": channel_ref,
                "messages": [message],
                "reply": { "channel": channel_ref, "messages": [ack] },
            }),
        );
    }
    for event in &ns.server_events {
        let message = add(
            &mut messages,
            event.name,
            json!({ "name": event.name, "payload": arguments(&event.args) }),
        );
        let mut op = json!({
            "action": "send",
            "channel": channel_ref,
            "messages": [message],
        });
        if let Some(reply) = &event.reply {
            let ack = add(
                &mut messages,
                &format!("{}_ack", event.name),
                json!({ "title": format!("{} ack", event.name), "payload": arguments(reply) }),
            );
            op["reply"] = json!({ "channel": channel_ref, "messages": [ack] });
        }
        operation(event.name, "send", op);
    }

    let mut channel = json!({
        "address": ns.path,
        "title": format!("namespace {}", ns.path),
        "messages": messages,
    });
    let params: Map<String, Value> = ns
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|p| {
            (
                p.to_string(),
                json!({ "description": "a dynamic namespace segment" }),
            )
        })
        .collect();
    if !params.is_empty() {
        channel["parameters"] = params.into();
    }
    (channel, operations)
}
