//! Files in and out of channels, in the vendors' terms.
//!
//! In: what a webhook told us about a customer's file ([`MediaRef`]: the vendor's id and/or
//! URL) and the requests that fetch its bytes the way each vendor documents them
//! ([`super::Channel::media_request`], [`super::Channel::media_located`]): some vendors hand
//! out a URL at once, others (WhatsApp's Graph API, Telegram's `getFile`) first answer where
//! the file is. The queue that runs them is `channels/media_fetch.rs`.
//!
//! Out: an agent's file as the vendor fetches it ([`OutboundFile`]: a signed URL of ours,
//! never a vendor's), which each channel's `render` turns into its native media message.

use serde::{Deserialize, Serialize};

/// The vendor's reference to an inbound file, kept in the fetch queue until it is stored.
/// It may hold a vendor URL, so it is never shown to a customer or an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    /// `image`, `video`, `audio`, `file` or `sticker`, as the channel named it.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What the vendor says the type is; the stored type comes from the bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
}

impl MediaRef {
    /// The name the file is shown under: the last segment of the vendor's URL path when it
    /// looks like a file name (`receipt.png`), else the kind (`image`); the stored file gets
    /// the extension of its sniffed type either way.
    pub fn file_name(&self) -> String {
        let from_url = self.url.as_deref().and_then(|u| {
            let path = u.split(['?', '#']).next()?;
            let last = path.rsplit('/').next()?;
            let ok = last.contains('.')
                && last.len() <= 100
                && last
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
            ok.then(|| last.to_owned())
        });
        from_url.unwrap_or_else(|| self.kind.clone())
    }

    /// The id or URL a request needs, or why this reference cannot be fetched.
    pub fn id(&self) -> Result<&str, String> {
        self.media_id
            .as_deref()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| format!("the vendor gave no media id for this {}", self.kind))
    }

    pub fn link(&self) -> Result<&str, String> {
        self.url
            .as_deref()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| format!("the vendor gave no URL for this {}", self.kind))
    }
}

/// The first request of a fetch.
#[derive(Debug)]
pub enum MediaStep {
    /// The file itself.
    Download(http::Request<Vec<u8>>),
    /// A question whose answer says where the file is: give it to
    /// [`super::Channel::media_located`] for the download request.
    Lookup(http::Request<Vec<u8>>),
}

/// A GET with the given headers.
pub fn get(url: &str, headers: &[(&str, &str)]) -> Result<http::Request<Vec<u8>>, String> {
    let mut builder = http::Request::builder().method(http::Method::GET).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Vec::new())
        .map_err(|e| format!("could not build the request for the file: {e}"))
}

/// A vendor's id as one URL path segment: ids are letters, digits and a few marks, so
/// anything else (a `/`, `..`, a `?`) is refused rather than escaped into another path.
pub fn path_segment(id: &str) -> Result<&str, String> {
    let ok = !id.is_empty()
        && id != "."
        && id != ".."
        && id.len() <= 512
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:=~".contains(c));
    if ok {
        Ok(id)
    } else {
        Err(format!("the vendor's media id {id:?} is not a plain id"))
    }
}

/// The `scheme://host[:port]` of a URL, to decide whether credentials may go there.
pub fn origin(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
}

/// Whether `url` is on the host of `api_base` or a subdomain of `domain`: where a vendor's
/// token may be sent (a URL in a signed webhook comes from the vendor, but a token goes only
/// where the vendor keeps files).
pub fn on_vendor_host(url: &str, api_base: &str, domain: &str) -> bool {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return false;
    };
    let Some(host) = uri.host() else {
        return false;
    };
    let secure_domain = uri.scheme_str() == Some("https")
        && (host == domain || host.ends_with(&format!(".{domain}")));
    secure_domain || origin(url).is_some_and(|o| Some(o) == origin(api_base))
}

/// What an agent's file is to a vendor: which native message carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Image,
    Video,
    Audio,
    Document,
}

impl FileKind {
    /// From the stored (sniffed) content type.
    pub fn of(content_type: &str) -> FileKind {
        match content_type.split('/').next().unwrap_or("") {
            "image" => FileKind::Image,
            "video" => FileKind::Video,
            "audio" => FileKind::Audio,
            _ => FileKind::Document,
        }
    }
}

/// An agent's (or bot's) file as a vendor fetches it: a signed, expiring URL of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundFile {
    pub url: String,
    pub file_name: String,
    /// The type sniffed from the bytes when it was stored.
    pub content_type: String,
    pub size: i64,
}

impl OutboundFile {
    pub fn kind(&self) -> FileKind {
        FileKind::of(&self.content_type)
    }

    /// One of `types` (exact content types), for vendors that take only some formats natively.
    pub fn is(&self, types: &[&str]) -> bool {
        types.contains(&self.content_type.as_str())
    }

    /// The line a channel sends when it cannot carry the file natively: a link the customer
    /// opens, which lasts longer than the one a vendor fetches at once.
    pub fn link_text(&self) -> String {
        format!("{}: {}", self.file_name, self.customer_url())
    }

    /// The link for the customer to open rather than for the vendor to fetch.
    pub fn customer_url(&self) -> String {
        super::file_links::for_customer(&self.url)
    }

    /// An image at `url`, for tests and the bot's image steps.
    pub fn image(url: &str) -> OutboundFile {
        OutboundFile {
            url: url.to_owned(),
            file_name: "image.jpg".into(),
            content_type: "image/jpeg".into(),
            size: 0,
        }
    }
}

/// `text` with a line for each file in `links`: what a channel sends for files it cannot
/// carry natively (the vendor's types or size limits), so the customer can still open them.
pub fn with_links(text: &str, links: &[&OutboundFile]) -> String {
    let mut out = text.trim().to_owned();
    for file in links {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&file.link_text());
    }
    out
}

/// Splits `files` into those `native` accepts and those sent as links.
pub fn partition(
    files: &[OutboundFile],
    native: impl Fn(&OutboundFile) -> bool,
) -> (Vec<&OutboundFile>, Vec<&OutboundFile>) {
    files.iter().partition(|f| native(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(url: Option<&str>) -> MediaRef {
        MediaRef {
            kind: "image".into(),
            media_id: None,
            url: url.map(str::to_owned),
            mime_type: None,
        }
    }

    #[test]
    fn a_file_name_comes_from_a_plain_url_segment_or_the_kind() {
        assert_eq!(
            media(Some(
                "https://files.slack.com/files-pri/T1-F1/receipt.png?x=1"
            ))
            .file_name(),
            "receipt.png"
        );
        assert_eq!(
            media(Some(
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
            ))
            .file_name(),
            "image"
        );
        assert_eq!(media(Some("https://x/a%20b<c>.png")).file_name(), "image");
        assert_eq!(media(None).file_name(), "image");
    }

    #[test]
    fn tokens_go_only_to_the_vendors_file_hosts() {
        let base = "https://slack.com";
        assert!(on_vendor_host(
            "https://files.slack.com/x",
            base,
            "slack.com"
        ));
        assert!(!on_vendor_host(
            "http://files.slack.com/x",
            base,
            "slack.com"
        ));
        assert!(!on_vendor_host(
            "https://files.slack.com.evil.net/x",
            base,
            "slack.com"
        ));
        assert!(!on_vendor_host(
            "https://evilslack.com/x",
            base,
            "slack.com"
        ));
        // A local stand-in configured as the API base is the vendor too.
        assert!(on_vendor_host(
            "http://127.0.0.1:9/files/x",
            "http://127.0.0.1:9",
            "slack.com"
        ));
        assert!(!on_vendor_host(
            "http://127.0.0.1:10/files/x",
            "http://127.0.0.1:9",
            "slack.com"
        ));
    }

    #[test]
    fn kinds_follow_the_stored_type() {
        assert_eq!(FileKind::of("image/png"), FileKind::Image);
        assert_eq!(FileKind::of("video/mp4"), FileKind::Video);
        assert_eq!(FileKind::of("audio/ogg"), FileKind::Audio);
        assert_eq!(FileKind::of("application/pdf"), FileKind::Document);
        assert_eq!(FileKind::of("text/csv"), FileKind::Document);
    }
}
