use super::error::ApiError;
use base64::Engine;
use serde::de::DeserializeOwned;

/// The path's segments, without the optional `.json` suffix Zendesk clients append to the last.
pub fn segments(path: &str) -> Vec<&str> {
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(last) = segs.last_mut() {
        if let Some(stripped) = last.strip_suffix(".json") {
            *last = stripped;
        }
    }
    segs
}

/// `scheme://host` of the request (Spin passes the full URL in `spin-full-url`), for the
/// absolute links APIs return.
pub fn origin(req: &http::Request<Vec<u8>>) -> String {
    if let Some(full) = header(req, "spin-full-url") {
        if let Ok(uri) = full.parse::<http::Uri>() {
            if let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) {
                return format!("{scheme}://{authority}");
            }
        }
    }
    header(req, "host")
        .map(|h| format!("http://{h}"))
        .unwrap_or_default()
}

pub fn query_pairs(req: &http::Request<Vec<u8>>) -> Vec<(String, String)> {
    let query = req.uri().query().unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

pub fn query_param(req: &http::Request<Vec<u8>>, name: &str) -> Option<String> {
    query_pairs(req)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The `status` filter of a list route: absent, or one of `allowed` (400 `invalid_status`
/// naming them otherwise).
pub fn status_filter<'p>(
    pairs: &'p [(String, String)],
    allowed: &[&str],
) -> Result<Option<&'p str>, ApiError> {
    let Some(status) = pairs
        .iter()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.as_str())
    else {
        return Ok(None);
    };
    if allowed.contains(&status) {
        Ok(Some(status))
    } else {
        Err(ApiError::bad_request(
            "invalid_status",
            format!(
                "`status` must be one of {}, got {status:?}",
                allowed.join(", ")
            ),
        ))
    }
}

pub fn header<'r>(req: &'r http::Request<Vec<u8>>, name: &str) -> Option<&'r str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Parses a JSON body, refusing bodies over `limit` bytes (413), empty bodies and malformed JSON
/// (400, with serde's line and column so the caller can find the mistake).
pub fn read_json<T: DeserializeOwned>(
    req: &http::Request<Vec<u8>>,
    limit: usize,
) -> Result<T, ApiError> {
    let body = req.body();
    if body.len() > limit {
        return Err(ApiError::payload_too_large(limit));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "body_required",
            "This route needs a JSON body",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        let what = if e.is_data() {
            "invalid_body"
        } else {
            "invalid_json"
        };
        ApiError::bad_request(what, format!("The JSON body could not be read: {e}"))
    })
}

/// What the `Authorization` header carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
    /// Present but not a scheme we read, or not decodable.
    Malformed,
}

impl Credentials {
    pub fn from_request(req: &http::Request<Vec<u8>>) -> Self {
        let Some(value) = header(req, "authorization") else {
            return Credentials::None;
        };
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            return Credentials::Bearer(rest.to_owned());
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            if let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                return Credentials::Basic {
                    user: user.to_owned(),
                    password: password.to_owned(),
                };
            }
        }
        Credentials::Malformed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_suffix_is_dropped_from_the_last_segment_only() {
        assert_eq!(
            segments("/api/v2/tickets/12.json"),
            ["api", "v2", "tickets", "12"]
        );
        assert_eq!(segments("/api/v2/tickets.json"), ["api", "v2", "tickets"]);
        assert_eq!(segments("/a.json/b"), ["a.json", "b"]);
    }

    #[test]
    fn basic_credentials_split_at_the_first_colon() {
        let req = http::Request::builder()
            .header(
                "authorization",
                "Basic YWRhQGV4YW1wbGUuY29tL3Rva2VuOmE6Yg==",
            )
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            Credentials::from_request(&req),
            Credentials::Basic {
                user: "ada@example.com/token".into(),
                password: "a:b".into()
            }
        );
    }
}
