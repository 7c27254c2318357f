use crate::ports::{KvError, SqlError};
use http::StatusCode;
use serde_json::json;

/// Which envelope an error is written in: ours (and Sunshine Conversations')
/// `{"errors": [{"code", "title"}]}`, or Zendesk's `{"error", "description"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Spindesk,
    Zendesk,
}

/// A request that cannot be served, with a stable machine code and a message for people.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Methods the path does support (for 405's `allow` header).
    pub allow: Option<String>,
    /// Seconds until a rate-limited caller may try again (429's `retry-after` header).
    pub retry_after: Option<i64>,
    /// What went wrong on our side, for the log only: never sent to the caller.
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
            allow: None,
            retry_after: None,
            detail: None,
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn no_route(method: &http::Method, path: &str) -> Self {
        Self::not_found("not_found", format!("No route for {method} {path}"))
    }

    pub fn method_not_allowed(method: &http::Method, allow: &str) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{method} is not allowed here; use {allow}"),
        );
        e.allow = Some(allow.to_owned());
        e
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The request body is larger than the {limit} bytes this route accepts"),
        )
    }

    /// Our fault, not the caller's: the detail goes to the log ([`answer`]), the caller gets a
    /// generic text.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side; the request was not applied. Try again.",
        );
        e.detail = Some(detail.to_string());
        e
    }

    /// The response, after logging what the caller is not told.
    pub fn answer(self, env: &crate::Env, family: Family) -> http::Response<Vec<u8>> {
        if let Some(detail) = &self.detail {
            env.error("request.internal_error", detail);
        }
        self.into_response(family)
    }

    pub fn into_response(self, family: Family) -> http::Response<Vec<u8>> {
        let body = match family {
            Family::Spindesk => json!({"errors": [{"code": self.code, "title": self.message}]}),
            Family::Zendesk => json!({"error": self.code, "description": self.message}),
        };
        let mut builder = http::Response::builder()
            .status(self.status)
            .header("content-type", "application/json; charset=utf-8");
        if self.status == StatusCode::UNAUTHORIZED && family == Family::Zendesk {
            builder = builder.header("www-authenticate", "Basic realm=\"Spindesk\"");
        }
        if let Some(allow) = &self.allow {
            builder = builder.header("allow", allow.as_str());
        }
        if let Some(seconds) = self.retry_after {
            builder = builder.header("retry-after", seconds.to_string());
        }
        builder
            .body(body.to_string().into_bytes())
            .unwrap_or_else(|_| http::Response::new(Vec::new()))
    }
}

/// The one mapping from what went wrong in the core to what the caller is told.
impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        use crate::Error;
        match e {
            Error::NotFound(what) => {
                let code = format!("{}_not_found", what.replace(' ', "_"));
                ApiError::not_found(&code, format!("The {what} was not found"))
            }
            Error::Invalid(message) => ApiError::unprocessable("invalid", message),
            // A `credentials_key` that is malformed, missing or wrong is the operator's to
            // fix: 503 with what to do, never the credentials themselves.
            Error::Vault(e) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "credentials_key",
                e.to_string(),
            ),
            // Still locked after the store layer's retries: the desk is overloaded, not broken;
            // the caller may try again (nothing was written).
            Error::Sql(ref sql) if sql.kind == crate::ports::SqlErrorKind::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "The database is busy; try again in a moment",
            ),
            Error::Sql(_) | Error::KeyValue(_) | Error::Corrupt(_) => ApiError::internal(e),
        }
    }
}

impl From<SqlError> for ApiError {
    fn from(e: SqlError) -> Self {
        crate::Error::from(e).into()
    }
}

impl From<KvError> for ApiError {
    fn from(e: KvError) -> Self {
        crate::Error::from(e).into()
    }
}

impl From<crate::vault::VaultError> for ApiError {
    fn from(e: crate::vault::VaultError) -> Self {
        crate::Error::from(e).into()
    }
}
