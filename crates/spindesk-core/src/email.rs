//! Email addresses, parsed once at the edge (an admin adding an agent, a bot form's answer).

use std::fmt;

/// An email address with its domain in lower case. A pragmatic check: one `@`, a non-empty
/// local part of the characters mail systems allow, a dotted domain of sane labels.
/// Deliverability is not knowable here; typos like a missing `@` or a space are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Option<Email> {
        let (local, domain) = value.split_once('@')?;
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if value.len() > 254 || !domain_ok || !local_ok {
            return None;
        }
        Some(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// All in lower case: how staff sign-in emails are stored and compared.
    pub fn to_lowercase(&self) -> Email {
        Email(self.0.to_lowercase())
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn addresses() {
        assert_eq!(
            Email::parse("Ada@Example.COM").unwrap().as_str(),
            "Ada@example.com"
        );
        assert_eq!(
            Email::parse("Ada@Example.COM")
                .unwrap()
                .to_lowercase()
                .as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@@example.com",
            ".ada@example.com",
            "ada@-x.com",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
    }
}
