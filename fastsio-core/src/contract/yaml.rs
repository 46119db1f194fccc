//! JSON to YAML, block style: mappings and sequences indented, every string and key
//! double-quoted with JSON escapes (which YAML's double-quoted scalars read the same), so no
//! value can be mistaken for another type.

use serde_json::Value;

/// `value` as a YAML document.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        scalar => {
            out.push_str(&inline(scalar));
            out.push('\n');
        }
    }
    out
}

/// A scalar, or an empty collection, on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

fn is_block(value: &Value) -> bool {
    match value {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn mapping(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    for (key, value) in map {
        out.push_str(&" ".repeat(indent));
        out.push_str(&Value::from(key.as_str()).to_string());
        out.push(':');
        block_value(out, value, indent + 2);
    }
}

fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for value in items {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        block_value(out, value, indent + 2);
    }
}

/// What follows `key:` or `-`: a scalar on the same line, a collection on the next ones.
fn block_value(out: &mut String, value: &Value, indent: usize) {
    if is_block(value) {
        out.push('\n');
        match value {
            Value::Object(m) => mapping(out, m, indent),
            Value::Array(a) => sequence(out, a, indent),
            _ => {}
        }
    } else {
        out.push(' ');
        out.push_str(&inline(value));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nests_quotes_and_keeps_empty_collections_inline() {
        let doc = json!({
            "a": {"b": [1, "two", {"c": null}], "d": {}},
            "e: f": "line\nbreak",
            "g": [],
            "h": [[true]],
        });
        assert_eq!(
            to_yaml(&doc),
            "\"a\":\n  \"b\":\n    - 1\n    - \"two\"\n    -\n      \"c\": null\n  \"d\": {}\n\"e: f\": \"line\\nbreak\"\n\"g\": []\n\"h\":\n  -\n    - true\n"
        );
    }
}
