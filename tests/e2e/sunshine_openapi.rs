//! Every response the Sunshine API tests receive is checked against Sunshine Conversations'
//! own OpenAPI document (`tests/fixtures/sunshine-conversations-openapi.yaml`, version 17.12.1
//! as Zendesk publishes it for its client libraries; `SUNSHINE_OPENAPI` names another path). The YAML is read once; its component
//! schemas become JSON Schema (2020-12) `$defs`: OpenAPI 3.0's `nullable` becomes a `null`
//! type, a `oneOf` with a `discriminator` becomes one `if`/`then` per discriminator value (the
//! members alone overlap: an image message is also a valid text message), and annotations
//! JSON Schema does not know are dropped. The response schema is the one the document gives
//! for the request's path, method and status; an error status it does not list is checked
//! against `errorResponse`.

use serde_json::{json, Map, Value};
use spindesk_tests::*;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

struct Doc {
    /// (path template split into segments, path item)
    paths: Vec<(Vec<String>, Value)>,
    defs: Value,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

fn doc() -> &'static Doc {
    static DOC: OnceLock<Doc> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = std::env::var("SUNSHINE_OPENAPI").unwrap_or_else(|_| {
            format!(
                "{}/fixtures/sunshine-conversations-openapi.yaml",
                env!("CARGO_MANIFEST_DIR")
            )
        });
        let raw = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the Sunshine OpenAPI document {path}: {e}"));
        let yaml: Value = serde_yaml::from_str(&raw).expect("the OpenAPI document parses");
        let defs = convert(&yaml["components"]["schemas"], true);
        let paths = yaml["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .map(|(k, v)| {
                (
                    k.split('/')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    v.clone(),
                )
            })
            .collect();
        Doc {
            paths,
            defs,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

fn reference(r: &str) -> String {
    r.replace("#/components/schemas/", "#/$defs/")
}

/// OpenAPI 3.0 schema → JSON Schema 2020-12. `names`: the object's keys are names (the
/// `schemas` map, `properties`), not keywords.
fn convert(v: &Value, names: bool) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(|i| convert(i, false)).collect()),
        Value::Object(m) if names => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), convert(v, false)))
                .collect(),
        ),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                match k.as_str() {
                    "$ref" => {
                        out.insert(
                            k.clone(),
                            reference(val.as_str().unwrap_or_default()).into(),
                        );
                    }
                    "nullable" | "discriminator" | "example" | "readOnly" | "writeOnly" | "xml"
                    | "externalDocs" | "deprecated" => {}
                    k if k.starts_with("x-") => {}
                    "properties" | "patternProperties" => {
                        out.insert(k.to_owned(), convert(val, true));
                    }
                    // `required: true` on a property is OpenAPI 2 style; JSON Schema wants arrays.
                    "required" if !val.is_array() => {}
                    _ => {
                        out.insert(k.clone(), convert(val, false));
                    }
                }
            }
            if let (Some(d), Some(Value::Array(members))) = (m.get("discriminator"), m.get("oneOf"))
            {
                let prop = d["propertyName"].as_str().expect("propertyName").to_owned();
                let mapping: Vec<(String, String)> =
                    match d.get("mapping").and_then(Value::as_object) {
                        Some(map) => map
                            .iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                            .collect(),
                        // Implicit mapping: the schema's name is the value.
                        None => members
                            .iter()
                            .filter_map(|m| m["$ref"].as_str())
                            .map(|r| {
                                (
                                    r.rsplit('/').next().unwrap_or_default().to_owned(),
                                    r.to_owned(),
                                )
                            })
                            .collect(),
                    };
                out.remove("oneOf");
                let mut all: Vec<Value> = mapping
                    .iter()
                    .map(|(value, r)| {
                        json!({
                            "if": {"properties": {&prop: {"const": value}}, "required": [&prop]},
                            "then": {"$ref": reference(r)},
                        })
                    })
                    .collect();
                let values: Vec<&String> = mapping.iter().map(|(v, _)| v).collect();
                all.push(json!({"properties": {&prop: {"enum": values}}, "required": [&prop]}));
                out.insert("allOf".into(), Value::Array(all));
            }
            if m.get("nullable") == Some(&Value::Bool(true)) {
                match out.get("type").cloned() {
                    Some(Value::String(t)) => {
                        out.insert("type".into(), json!([t, "null"]));
                        if let Some(Value::Array(e)) = out.get_mut("enum") {
                            e.push(Value::Null);
                        }
                    }
                    _ => return json!({"anyOf": [Value::Object(out), {"type": "null"}]}),
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// The documented response schema for this request's path, method and status.
fn response_schema(method: &str, path: &str, status: u16) -> Value {
    let path = path.split('?').next().unwrap_or_default();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let doc = doc();
    let (_, item) = doc
        .paths
        .iter()
        .filter(|(tpl, _)| {
            tpl.len() == segs.len()
                && tpl
                    .iter()
                    .zip(&segs)
                    .all(|(t, s)| t.starts_with('{') || t == s)
        })
        // The most literal template wins (`.../join` over `.../{id}`).
        .max_by_key(|(tpl, _)| tpl.iter().filter(|t| !t.starts_with('{')).count())
        .unwrap_or_else(|| panic!("{path} is not a path of the Sunshine OpenAPI document"));
    let op = &item[method.to_ascii_lowercase()];
    assert!(
        op.is_object(),
        "{method} {path} is not in the Sunshine OpenAPI document"
    );
    let response = &op["responses"][status.to_string()];
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_object() {
        return convert(schema, false);
    }
    assert!(
        status >= 400,
        "{method} {path} answered {status}, which the Sunshine OpenAPI document does not list"
    );
    json!({"$ref": "#/$defs/errorResponse"})
}

/// Checks `body` against the document; panics naming every violation.
#[track_caller]
pub fn check(method: &str, path: &str, status: u16, body: &Value) {
    let schema = response_schema(method, path, status);
    let key = schema.to_string();
    let doc = doc();
    let validator = {
        let mut cache = doc.validators.lock().unwrap();
        cache
            .entry(key)
            .or_insert_with(|| {
                let mut root = schema.as_object().cloned().unwrap_or_default();
                root.insert("$defs".into(), doc.defs.clone());
                std::sync::Arc::new(
                    jsonschema::options()
                        .with_draft(jsonschema::Draft::Draft202012)
                        .should_validate_formats(true)
                        .build(&Value::Object(root))
                        .expect("the converted schema compiles"),
                )
            })
            .clone()
    };
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} → {status}: the body does not match the Sunshine OpenAPI document:\n{}\nbody: {body}",
        errors.join("\n")
    );
}

/// A Sunshine API client over the test app: every response is [`check`]ed.
pub struct Sun<'a> {
    pub app: &'a App,
    pub auth: String,
    pub app_id: String,
}

pub fn basic(user: &str, secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}

impl<'a> Sun<'a> {
    /// With the admin token (Basic, any key id).
    pub fn admin(app: &'a App) -> Self {
        Sun {
            app,
            auth: basic("admin", ADMIN_TOKEN),
            app_id: "app1".into(),
        }
    }

    pub fn with_auth(&self, auth: &str) -> Sun<'a> {
        Sun {
            app: self.app,
            auth: auth.into(),
            app_id: self.app_id.clone(),
        }
    }

    /// `/v2/apps/{app}` + `rest`.
    pub fn url(&self, rest: &str) -> String {
        format!("/v2/apps/{}{rest}", self.app_id)
    }

    /// Sends and checks; `rest` is the path after `/v2/apps/{app}`.
    #[track_caller]
    pub fn call(&self, method: &str, rest: &str, body: Option<&Value>) -> Resp {
        let path = self.url(rest);
        let mut req = self.app.request("conversations", method, &path);
        if !self.auth.is_empty() {
            req = req.header("authorization", &self.auth);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send();
        check(method, &path, resp.status, &resp.json());
        resp
    }

    #[track_caller]
    pub fn get(&self, rest: &str) -> Resp {
        self.call("GET", rest, None)
    }

    #[track_caller]
    pub fn post(&self, rest: &str, body: &Value) -> Resp {
        self.call("POST", rest, Some(body))
    }

    #[track_caller]
    pub fn patch(&self, rest: &str, body: &Value) -> Resp {
        self.call("PATCH", rest, Some(body))
    }

    #[track_caller]
    pub fn delete(&self, rest: &str) -> Resp {
        self.call("DELETE", rest, None)
    }

    /// A user with this externalId and given name.
    pub fn user(&self, external_id: &str, given_name: &str) -> Value {
        self.post(
            "/users",
            &json!({"externalId": external_id, "profile": {"givenName": given_name}}),
        )
        .expect(201)
        .json()["user"]
            .clone()
    }

    /// A personal conversation of this user (by id).
    pub fn conversation(&self, user_id: &str) -> Value {
        self.post(
            "/conversations",
            &json!({"type": "personal", "participants": [{"userId": user_id}]}),
        )
        .expect(201)
        .json()["conversation"]
            .clone()
    }
}

#[test]
fn the_checker_refuses_what_the_document_refuses() {
    // A business author with subtypes outside the enum, and a message whose content is an
    // image without its mediaUrl: the checker must see both, or its passes mean nothing.
    let bad = json!({"messages": [{"id": "1", "author": {"type": "business", "subtypes": ["robot"]},
                                    "content": {"type": "text", "text": "x"}}]});
    let r =
        std::panic::catch_unwind(|| check("GET", "/v2/apps/a/conversations/c/messages", 200, &bad));
    assert!(r.is_err(), "an unknown subtype must fail");
    let bad = json!({"messages": [{"id": "1", "author": {"type": "business"},
                                    "content": {"type": "image", "text": "x"}}]});
    let r =
        std::panic::catch_unwind(|| check("GET", "/v2/apps/a/conversations/c/messages", 200, &bad));
    assert!(r.is_err(), "an image without mediaUrl must fail");
    let r = std::panic::catch_unwind(|| {
        check(
            "GET",
            "/v2/apps/a/users/u",
            200,
            &json!({"user": {"externalId": 5}}),
        )
    });
    assert!(r.is_err(), "a number where a string belongs must fail");
    check(
        "GET",
        "/v2/apps/a/users/u",
        200,
        &json!({"user": {"id": "u", "externalId": null, "profile": {"givenName": null}}}),
    );
    let r = std::panic::catch_unwind(|| {
        check(
            "GET",
            "/v2/apps/a/users/u",
            404,
            &json!({"errors": [{"code": 1}]}),
        )
    });
    assert!(r.is_err(), "errors are checked too");
}
