//! The OpenAPI 3.1 document of the API, built from the route table ([`crate::ROUTES`]), so
//! it lists exactly the routes the router serves. Bodies are described by kind (JSON,
//! optional JSON, raw bytes); `docs/api.md` holds the fields of each.

use serde_json::{json, Map, Value};

use crate::router::{RequestBody, Route, ROUTES};

/// Routes that need no bearer token.
const PUBLIC: [&str; 2] = ["/health", "/openapi.json"];

/// The whole document.
pub fn openapi_document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        item[route.method] = operation(route);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Keyward API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Customer-managed encryption keys. Field-level detail: docs/api.md."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "kw_<id>_<secret>" }
            },
            "schemas": { "Error": error_schema() }
        }
    })
}

fn operation(route: &Route) -> Value {
    let mut op = json!({
        "operationId": operation_id(route),
        "summary": route.summary,
        "parameters": parameters(route),
        "responses": responses(route),
    });
    if PUBLIC.contains(&route.path) {
        op["security"] = json!([]);
    }
    if let Some(body) = request_body(route.body) {
        op["requestBody"] = body;
    }
    op
}

fn operation_id(route: &Route) -> String {
    let words: Vec<&str> = route
        .path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    format!("{}_{}", route.method, words.join("_"))
}

fn parameters(route: &Route) -> Vec<Value> {
    let mut out: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } })
        })
        .collect();
    let query: &[(&str, &str)] = match route.path {
        "/audit" => &[
            ("after", "integer"),
            ("limit", "integer"),
            ("tenant", "string"),
        ],
        "/environments/{e}/csv/{table}" => &[("header", "boolean"), ("create", "boolean")],
        _ => &[],
    };
    out.extend(query.iter().map(|(name, kind)| {
        json!({ "name": name, "in": "query", "required": false, "schema": { "type": kind } })
    }));
    out
}

fn request_body(kind: RequestBody) -> Option<Value> {
    let (required, media) = match kind {
        RequestBody::None => return None,
        RequestBody::Json => (true, "application/json"),
        RequestBody::OptionalJson => (false, "application/json"),
        RequestBody::Raw => (true, "application/octet-stream"),
    };
    let schema = if media == "application/json" {
        json!({ "type": "object" })
    } else {
        json!({ "type": "string", "contentMediaType": "application/octet-stream" })
    };
    Some(json!({ "required": required, "content": { media: { "schema": schema } } }))
}

fn responses(route: &Route) -> Value {
    let status = route.status.to_string();
    let success = match (route.status, route.method, route.path) {
        (204, _, _) => json!({ "description": "done" }),
        (_, "get", "/environments/{e}/files/{name}") => json!({
            "description": "the file's content, streamed",
            "content": { "application/octet-stream": { "schema": { "type": "string" } } }
        }),
        _ => json!({
            "description": "success",
            "content": { "application/json": { "schema": {} } }
        }),
    };
    let error = json!({
        "description": "refused: see docs/api.md for the status of each error code",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    });
    json!({ status: success, "4XX": error, "5XX": error })
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["code", "rule", "message", "allowed_from"],
        "properties": {
            "code": { "type": "string" },
            "rule": { "type": ["string", "null"] },
            "message": { "type": "string" },
            "allowed_from": { "type": ["string", "null"], "format": "date-time" }
        }
    })
}
