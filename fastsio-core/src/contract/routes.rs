//! The contract's HTTP routes, rendered once at `build()`: `{path}.json`, `{path}.yaml` and
//! the docs page at `{path}`.

use bytes::Bytes;
use fastsio_engine::EngineBody;
use http::{Method, Response, StatusCode, header};
use serde_json::Value;

use super::asyncapi::AsyncApi;
use super::yaml::to_yaml;

/// The rendered routes.
pub(crate) struct Routes {
    path: String,
    json: Bytes,
    yaml: Bytes,
    page: Bytes,
}

impl Routes {
    /// Renders the document in JSON and YAML and the page that shows it.
    pub fn new(config: &AsyncApi, document: &Value) -> Routes {
        let json = serde_json::to_vec_pretty(document).unwrap_or_default();
        Routes {
            path: config.path.clone(),
            json: json.into(),
            yaml: to_yaml(document).into(),
            page: page(config).into(),
        }
    }

    /// Answers `GET`/`HEAD` on one of the routes; `None` for any other request.
    pub fn respond(&self, method: &Method, path: &str) -> Option<Response<EngineBody>> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let (body, content_type) = match path.strip_prefix(self.path.as_str())? {
            "" => (&self.page, "text/html; charset=utf-8"),
            ".json" => (&self.json, "application/json"),
            ".yaml" => (&self.yaml, "application/yaml"),
            _ => return None,
        };
        let mut res = Response::new(EngineBody::new(body.clone()));
        *res.status_mut() = StatusCode::OK;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(content_type),
        );
        Some(res)
    }
}

/// Escapes text for HTML content and double-quoted attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The docs page: the AsyncAPI React component's standalone bundle renders the JSON route.
fn page(config: &AsyncApi) -> String {
    // The document URL goes into a script as a JSON string; `<` is escaped so that no
    // `</script>` can end the script early.
    let url = Value::from(format!("{}.json", config.path))
        .to_string()
        .replace('<', "\\u003c");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="asyncapi">Loading the API documentation from <a href="{json}">{json}</a>...</div>
<script src="{script}"></script>
<script>
AsyncApiStandalone.render(
  {{ schema: {{ url: {url}, options: {{ method: "GET" }} }}, config: {{ show: {{ sidebar: true }} }} }},
  document.getElementById("asyncapi"),
);
</script>
</body>
</html>
"#,
        title = escape(&config.title),
        css = escape(&config.stylesheet_url),
        script = escape(&config.script_url),
        json = escape(&format!("{}.json", config.path)),
    )
}
