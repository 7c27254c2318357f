//! The one language tag type, parsed once at the edge: what a widget visitor, a channel
//! (Telegram's `language_code`, Viber's device language) or a help-center path says.

/// A BCP 47-shaped tag: a 2–3 letter language, then at most two subtags (script, region) of
/// 2–8 letters or digits, separated by `-` or `_` in any case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Locale {
    /// As people and browsers write it: `en-US`, `ko-KR`, `zh-Hant-TW`.
    tag: String,
    /// Lower case: how Zendesk's help center writes locales (`en-us`), and the form to compare.
    lower: String,
}

impl Locale {
    pub fn parse(raw: &str) -> Option<Locale> {
        let lower = raw.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = lower.split('-');
        let language = parts.next()?;
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let mut tag = language.to_owned();
        for (i, part) in parts.enumerate() {
            if i >= 2
                || !(2..=8).contains(&part.len())
                || !part.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return None;
            }
            tag.push('-');
            // BCP 47's conventional casing: a 4-letter script is Title case, a 2-letter region
            // upper case, anything else lower case.
            match part.len() {
                2 => tag.push_str(&part.to_ascii_uppercase()),
                4 if part.bytes().all(|b| b.is_ascii_alphabetic()) => {
                    tag.push_str(&part[..1].to_ascii_uppercase());
                    tag.push_str(&part[1..]);
                }
                _ => tag.push_str(part),
            }
        }
        Some(Locale { tag, lower })
    }

    /// Lower case (`en-us`): the help center's form.
    pub fn as_str(&self) -> &str {
        &self.lower
    }

    /// Conventional casing (`en-US`): what a customer's profile keeps.
    pub fn tag(&self) -> &str {
        &self.tag
    }
}

#[cfg(test)]
mod tests {
    use super::Locale;

    #[test]
    fn locales() {
        assert_eq!(Locale::parse("en-US").unwrap().as_str(), "en-us");
        assert_eq!(Locale::parse("ko").unwrap().as_str(), "ko");
        assert_eq!(Locale::parse("zh_TW").unwrap().as_str(), "zh-tw");
        for bad in [
            "",
            "e",
            "english",
            "en-",
            "en-u",
            "en-us-x-y",
            "12",
            "en us",
        ] {
            assert!(Locale::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn tags_keep_conventional_casing() {
        for (raw, tag) in [
            ("en-US", "en-US"),
            ("en-us", "en-US"),
            ("KO_kr", "ko-KR"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("es-419", "es-419"),
            ("ko", "ko"),
        ] {
            assert_eq!(Locale::parse(raw).unwrap().tag(), tag, "{raw}");
        }
    }
}
