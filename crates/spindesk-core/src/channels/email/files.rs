//! An inbound e-mail's files: Postmark puts each one inline in the webhook as base64. They are
//! decoded here, one at a time (each base64 text is dropped once decoded, so an e-mail is held
//! about once and a third), and stored as attachments of the customer's message in
//! `delivery::receive`, which knows the operator's limits. A file that cannot be decoded is
//! not a reason to refuse the e-mail: it is skipped with a note the agent reads.

use super::super::channel::MailFile;
use super::super::wire::postmark as vendor;
use base64::Engine;

/// Most files taken from one e-mail; the others are named in a note. Bounds the work of one
/// webhook (each file is a few database writes) whatever the sender attached.
pub const MAX_FILES: usize = 50;

/// Longest file name quoted in a note, in characters.
const NOTE_NAME_CHARS: usize = 80;

/// The files of `attachments`, decoded, and a note for each one skipped.
pub(super) fn decode(attachments: Vec<vendor::Attachment>) -> (Vec<MailFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for (i, attachment) in attachments.into_iter().enumerate() {
        let name = attachment
            .name
            .filter(|n| !n.trim().is_empty())
            .or(attachment.content_id)
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        if i >= MAX_FILES {
            notes.push(skipped(
                &name,
                &format!("an e-mail brings at most {MAX_FILES} files"),
            ));
            continue;
        }
        match base64_bytes(&attachment.content) {
            Some(bytes) if !bytes.is_empty() => files.push(MailFile { name, bytes }),
            Some(_) => notes.push(skipped(&name, "the file is empty")),
            None => notes.push(skipped(&name, "its content is not valid base64")),
        }
    }
    (files, notes)
}

/// Standard base64; the line breaks some mailers keep in it (RFC 2045 wraps at 76) are
/// allowed. `None` for anything else.
fn base64_bytes(text: &str) -> Option<Vec<u8>> {
    let engine = base64::engine::general_purpose::STANDARD;
    if text.bytes().any(|b| b.is_ascii_whitespace()) {
        let joined: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        engine.decode(joined).ok()
    } else {
        engine.decode(text).ok()
    }
}

/// The note a skipped file leaves in the message's text.
pub fn skipped(name: &str, why: &str) -> String {
    let mut shown: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(NOTE_NAME_CHARS)
        .collect();
    if name.chars().count() > NOTE_NAME_CHARS {
        shown.push('…');
    }
    format!("[attachment {shown:?} not kept: {why}]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn attachment(name: &str, content: &str) -> vendor::Attachment<'static> {
        vendor::Attachment {
            name: Some(name.to_owned()),
            content: Cow::Owned(content.to_owned()),
            content_id: None,
        }
    }

    #[test]
    fn good_wrapped_bad_and_empty_content() {
        let (files, notes) = decode(vec![
            attachment("a.txt", "aGVsbG8="),
            attachment("b.txt", "aGVs\r\nbG8="),
            attachment("c.png", "not base64!"),
            attachment("d.txt", ""),
        ]);
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].bytes, b"hello");
        assert_eq!(files[1].bytes, b"hello");
        assert_eq!(
            notes,
            vec![
                "[attachment \"c.png\" not kept: its content is not valid base64]",
                "[attachment \"d.txt\" not kept: the file is empty]",
            ]
        );
    }

    #[test]
    fn the_base64_text_is_borrowed_from_the_body_not_copied() {
        let body = br#"{"MessageID":"m","FromFull":{"Email":"a@b.example"},
            "Attachments":[{"Name":"a.txt","Content":"aGVsbG8=","ContentType":"text/plain",
            "ContentLength":5,"ContentID":""}]}"#;
        let inbound: vendor::Inbound = serde_json::from_slice(body).unwrap();
        assert!(matches!(inbound.attachments[0].content, Cow::Borrowed(_)));
    }

    #[test]
    fn at_most_max_files_are_taken() {
        let many = (0..MAX_FILES + 2)
            .map(|i| attachment(&format!("{i}.txt"), "aGk="))
            .collect();
        let (files, notes) = decode(many);
        assert_eq!(files.len(), MAX_FILES);
        assert_eq!(notes.len(), 2);
    }
}
