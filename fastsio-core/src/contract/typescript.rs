//! TypeScript declarations for `socket.io-client`'s typed sockets: an interface per named
//! schema, and `ServerToClientEvents` / `ClientToServerEvents` per namespace.

use std::fmt::Write;

use schemars::Schema;
use serde_json::{Map, Value};

use super::asyncapi::BUILT_IN_CODES;
use super::describe::{AckShape, AckValue, AuthShape, Payload};
use super::document::{Contract, DEFINITIONS, NamespaceContract};

/// The declarations of `contract`.
pub(crate) fn declarations(contract: &Contract) -> String {
    let mut out = String::from(
        "// The API contract of a fastsio server, generated from its handlers: do not edit.\n\
         // Use: `const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url);`\n\n\
         /** The first ack argument when an event failed (fastsio's ack error convention). */\n\
         export interface AckError<Code extends string = string> {\n  \
         error: { code: Code; message: string; details?: unknown };\n}\n\n\
         /** Binary data, as socket.io-client sends and receives it. */\n\
         export type Binary = ArrayBuffer | ArrayBufferView | Blob;\n",
    );
    for (name, schema) in &contract.schemas {
        let schema = &to_schema(schema);
        out.push('\n');
        doc(&mut out, schema, "");
        let name = type_name(name);
        if is_object(schema) {
            let _ = writeln!(out, "export interface {name} {}", object(schema, ""));
        } else {
            let _ = writeln!(out, "export type {name} = {};", ts(schema, ""));
        }
    }
    let single = contract.namespaces.len() == 1;
    for ns in &contract.namespaces {
        let prefix = if single {
            String::new()
        } else {
            prefix(&ns.path)
        };
        namespace(&mut out, ns, &prefix);
    }
    out
}

/// `Chat` for `/chat`, `Main` for `/`, `RoomId` for `/room/{id}`: the prefix of a namespace's
/// declarations when a server has several.
pub fn prefix(path: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Main");
    }
    out
}

fn namespace(out: &mut String, ns: &NamespaceContract, prefix: &str) {
    let _ = writeln!(
        out,
        "\n/** Events the server sends on namespace `{}`. */\nexport interface {prefix}ServerToClientEvents {{",
        ns.path
    );
    for event in &ns.server_events {
        let mut params = arguments(&event.args, "payload");
        if let Some(reply) = &event.reply {
            params.push(format!(
                "ack: (...res: [{}]) => void",
                reply
                    .iter()
                    .map(|s| ts(s, "  "))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let _ = writeln!(
            out,
            "  {}: ({}) => void;",
            key(event.name),
            params.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "}}\n\n/** Events clients send on namespace `{}`, with their acks. */\nexport interface {prefix}ClientToServerEvents {{",
        ns.path
    );
    for (name, event) in &ns.events {
        let params = match &event.payload {
            Payload::Any => vec!["...args: unknown[]".to_string()],
            other => {
                let mut params = match other {
                    Payload::Args(args) => arguments(args, "payload"),
                    Payload::Binary => vec!["data: Binary".into()],
                    _ => Vec::new(),
                };
                params.push(ack(&event.ack));
                params
            }
        };
        let _ = writeln!(out, "  {}: ({}) => void;", key(name), params.join(", "));
    }
    out.push_str("}\n");
    if let AuthShape::Schema(s) = &ns.auth {
        let _ = writeln!(
            out,
            "\n/** The auth payload of namespace `{}` (`io(url, {{ auth }})`). */\nexport type {prefix}Auth = {};",
            ns.path,
            ts(s, "")
        );
    }
}

/// One parameter per argument: `payload` for one, `arg0`, `arg1`... for several.
fn arguments(args: &[Schema], one: &str) -> Vec<String> {
    match args {
        [only] => vec![format!("{one}: {}", ts(only, "  "))],
        many => many
            .iter()
            .enumerate()
            .map(|(i, s)| format!("arg{i}: {}", ts(s, "  ")))
            .collect(),
    }
}

/// The ack callback of a client event.
fn ack(shape: &AckShape) -> String {
    let error = if shape.codes.is_empty() {
        "AckError".to_string()
    } else {
        let mut codes: Vec<&str> = shape.codes.to_vec();
        codes.extend(BUILT_IN_CODES.iter().filter(|c| !shape.codes.contains(c)));
        let codes: Vec<String> = codes.iter().map(|c| Value::from(*c).to_string()).collect();
        format!("AckError<{}>", codes.join(" | "))
    };
    match &shape.value {
        AckValue::Empty | AckValue::Untyped(_) => format!("ack?: (err?: {error}) => void"),
        AckValue::Any => "ack: (...res: unknown[]) => void".into(),
        AckValue::Args(args) => match args.as_slice() {
            [one] => format!("ack: (res: {} | {error}) => void", ts(one, "  ")),
            many => format!(
                "ack: (...res: [{}] | [{error}]) => void",
                many.iter()
                    .map(|s| ts(s, "  "))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

/// A TypeScript identifier for a schema name.
fn type_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// A property or event name: bare when it is an identifier, quoted otherwise.
fn key(name: &str) -> String {
    let bare = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if bare {
        name.to_string()
    } else {
        Value::from(name).to_string()
    }
}

fn is_object(schema: &Schema) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
        && schema.get("properties").is_some()
}

/// A `/** .. */` comment from the schema's description.
fn doc(out: &mut String, schema: &Schema, indent: &str) {
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        let _ = writeln!(out, "{indent}/** {} */", d.replace("*/", "*\\/"));
    }
}

/// An object type: `{ key: T; other?: U }`.
fn object(schema: &Schema, indent: &str) -> String {
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let inner = format!("{indent}  ");
    let mut out = String::from("{\n");
    for (name, prop) in props {
        let prop = to_schema(prop);
        doc(&mut out, &prop, &inner);
        let optional = if required.contains(&name.as_str()) {
            ""
        } else {
            "?"
        };
        let _ = writeln!(
            out,
            "{inner}{}{optional}: {};",
            key(name),
            ts(&prop, &inner)
        );
    }
    if let Some(extra) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        let _ = writeln!(
            out,
            "{inner}[key: string]: {};",
            ts(&to_schema(extra), &inner)
        );
    }
    out.push_str(indent);
    out.push('}');
    out
}

fn to_schema(v: &Value) -> Schema {
    Schema::try_from(v.clone()).unwrap_or_default()
}

/// The TypeScript type of a schema.
fn ts(schema: &Schema, indent: &str) -> String {
    if let Some(b) = schema.as_bool() {
        return if b { "unknown".into() } else { "never".into() };
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r
            .strip_prefix(DEFINITIONS)
            .map_or_else(|| "unknown".into(), type_name);
    }
    if let Some(c) = schema.get("const") {
        return c.to_string();
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return union(values.iter().map(Value::to_string).collect());
    }
    for (keyword, sep) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        if let Some(all) = schema.get(keyword).and_then(Value::as_array) {
            let parts: Vec<String> = all
                .iter()
                .map(|s| format!("({})", ts(&to_schema(s), indent)))
                .collect();
            return parts.join(sep);
        }
    }
    match schema.get("type") {
        Some(Value::String(t)) => single(t, schema, indent),
        Some(Value::Array(types)) => union(
            types
                .iter()
                .filter_map(Value::as_str)
                .map(|t| single(t, schema, indent))
                .collect(),
        ),
        _ if schema.get("properties").is_some() => object(schema, indent),
        _ => "unknown".into(),
    }
}

fn union(parts: Vec<String>) -> String {
    if parts.is_empty() {
        "never".into()
    } else {
        parts.join(" | ")
    }
}

fn single(ty: &str, schema: &Schema, indent: &str) -> String {
    match ty {
        "string" if schema.get("format").and_then(Value::as_str) == Some("binary") => {
            "Binary".into()
        }
        "string" => "string".into(),
        "integer" | "number" => "number".into(),
        "boolean" => "boolean".into(),
        "null" => "null".into(),
        "array" => match schema.get("items") {
            Some(Value::Array(items)) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|s| ts(&to_schema(s), indent))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(item) => format!("Array<{}>", ts(&to_schema(item), indent)),
            None => "unknown[]".into(),
        },
        "object" if schema.get("properties").is_some() => object(schema, indent),
        "object" => match schema.get("additionalProperties") {
            Some(extra) if extra.is_object() => {
                format!("Record<string, {}>", ts(&to_schema(extra), indent))
            }
            _ => "Record<string, unknown>".into(),
        },
        _ => "unknown".into(),
    }
}
