use spin_sdk::variables::{self, Error};
use spindesk_core::ports::Config;

/// Spin variables mapped under `[component.<id>.variables]`.
#[derive(Clone, Copy, Default)]
pub struct SpinConfig;

impl Config for SpinConfig {
    fn get(&self, name: &str) -> Option<String> {
        value(name, variables::get(name))
    }
}

/// Unset (empty default), unmapped (`Undefined`) and invalid names all read as `None`: the core
/// then answers as for missing configuration (e.g. 503 on admin routes). A provider failure is
/// logged by variable name only, never with a value.
pub(crate) fn value(name: &str, got: Result<String, Error>) -> Option<String> {
    match got {
        Ok(v) if v.is_empty() => None,
        Ok(v) => Some(v),
        Err(Error::Undefined(_)) | Err(Error::InvalidName(_)) => None,
        Err(Error::Provider(why)) | Err(Error::Other(why)) => {
            eprintln!("spindesk: variable `{name}` could not be read: {why}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_undefined_are_none() {
        assert_eq!(value("admin_token", Ok(String::new())), None);
        let undefined = Error::Undefined("no variable for \"admin\".\"x\"".into());
        assert_eq!(value("x", Err(undefined)), None);
        assert_eq!(value("X", Err(Error::InvalidName("X".into()))), None);
        assert_eq!(value("x", Err(Error::Provider("vault down".into()))), None);
        assert_eq!(value("x", Ok("s3cret".into())), Some("s3cret".into()));
    }
}
