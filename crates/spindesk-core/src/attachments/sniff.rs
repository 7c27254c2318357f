//! What a file is, from its first bytes: never from its name or the client's content type,
//! which anyone can set. Only the types customers and agents actually exchange are accepted;
//! anything a browser could run (HTML, SVG, XML) or a computer could execute is refused, since
//! a download served from our origin must never become a page of ours.

use super::error::AttachmentError;

/// How a file is shown: inline (images, audio, video) or only as a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Audio,
    Video,
    Document,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Audio => "audio",
            Kind::Video => "video",
            Kind::Document => "file",
        }
    }

    /// Whether a browser may show it in place (`content-disposition: inline`).
    pub fn inline(self) -> bool {
        self != Kind::Document
    }
}

/// An accepted file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    pub content_type: &'static str,
    /// The usual extension, without the dot: a stored name that lacks one gets it.
    pub extension: &'static str,
    pub kind: Kind,
}

const fn t(content_type: &'static str, extension: &'static str, kind: Kind) -> FileType {
    FileType {
        content_type,
        extension,
        kind,
    }
}

pub const JPEG: FileType = t("image/jpeg", "jpg", Kind::Image);
pub const PNG: FileType = t("image/png", "png", Kind::Image);
pub const GIF: FileType = t("image/gif", "gif", Kind::Image);
pub const WEBP: FileType = t("image/webp", "webp", Kind::Image);
pub const HEIC: FileType = t("image/heic", "heic", Kind::Image);
pub const PDF: FileType = t("application/pdf", "pdf", Kind::Document);
pub const TEXT: FileType = t("text/plain", "txt", Kind::Document);
pub const CSV: FileType = t("text/csv", "csv", Kind::Document);
pub const DOCX: FileType = t(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    Kind::Document,
);
pub const XLSX: FileType = t(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx",
    Kind::Document,
);
pub const MP4: FileType = t("video/mp4", "mp4", Kind::Video);
pub const MP3: FileType = t("audio/mpeg", "mp3", Kind::Audio);
pub const OGG: FileType = t("audio/ogg", "ogg", Kind::Audio);
pub const M4A: FileType = t("audio/mp4", "m4a", Kind::Audio);

/// Bytes enough to decide: the longest look is into a ZIP's first entries (DOCX, XLSX).
pub const SNIFF_BYTES: usize = 4096;

/// The type of a file from its first bytes (at least [`SNIFF_BYTES`] of them when the file is
/// that long). Empty: 400; a type not on the list, or one a browser could run: 415.
/// `name` only tells CSV from plain text, which no bytes can.
pub fn sniff_named(bytes: &[u8], name: &str) -> Result<FileType, AttachmentError> {
    let found = sniff(bytes)?;
    if found == TEXT && name.to_ascii_lowercase().ends_with(".csv") {
        return Ok(CSV);
    }
    Ok(found)
}

/// [`sniff_named`] without a name: text is `text/plain`.
pub fn sniff(bytes: &[u8]) -> Result<FileType, AttachmentError> {
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"\xFF\xD8\xFF") {
        return Ok(JPEG);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Ok(PNG);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Ok(GIF);
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Ok(WEBP);
    }
    if starts(b"%PDF-") {
        return Ok(PDF);
    }
    if starts(b"OggS") {
        return Ok(OGG);
    }
    if starts(b"ID3") || is_mpeg_audio_frame(bytes) {
        return Ok(MP3);
    }
    if bytes.get(4..8) == Some(b"ftyp") {
        return iso_media(bytes.get(8..12).unwrap_or_default());
    }
    if starts(b"PK\x03\x04") {
        return office(bytes);
    }
    if starts(b"MZ") || starts(b"\x7FELF") || starts(b"\xCF\xFA\xED\xFE") || starts(b"#!") {
        return Err(AttachmentError::Unsupported(
            "executable programs are not accepted".into(),
        ));
    }
    text(bytes)
}

/// An MPEG audio frame header: 11 sync bits, then a layer that is not "reserved".
fn is_mpeg_audio_frame(bytes: &[u8]) -> bool {
    matches!(bytes, [0xFF, b, ..] if b & 0xE0 == 0xE0 && b & 0x06 != 0)
}

/// The ISO media family (`ftyp` box): its major brand tells MP4 video, M4A audio and HEIC.
fn iso_media(brand: &[u8]) -> Result<FileType, AttachmentError> {
    match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => Ok(HEIC),
        b"M4A " | b"M4B " => Ok(M4A),
        b"isom" | b"iso2" | b"iso4" | b"iso5" | b"iso6" | b"mp41" | b"mp42" | b"avc1" | b"M4V "
        | b"dash" | b"MSNV" => Ok(MP4),
        _ => Err(AttachmentError::Unsupported(format!(
            "this media format ({}) is not accepted",
            String::from_utf8_lossy(brand).trim()
        ))),
    }
}

/// A ZIP is accepted only as a Word or Excel document: the parts' names in its first local
/// headers say which (`word/...`, `xl/...`). Any other archive is refused.
fn office(bytes: &[u8]) -> Result<FileType, AttachmentError> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if has(b"word/") {
        Ok(DOCX)
    } else if has(b"xl/") {
        Ok(XLSX)
    } else {
        Err(AttachmentError::Unsupported(
            "ZIP archives are not accepted (only Word and Excel documents)".into(),
        ))
    }
}

/// Plain text: UTF-8 (a character cut at the end of the sniffed bytes is fine) without control
/// characters other than whitespace, and not markup a browser would render.
fn text(bytes: &[u8]) -> Result<FileType, AttachmentError> {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        // Only a sequence cut short at the very end is forgiven.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Err(unknown()),
    };
    if valid
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
    {
        return Err(unknown());
    }
    let start = valid.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('<') {
        return Err(AttachmentError::Unsupported(
            "HTML, SVG and XML files are not accepted".into(),
        ));
    }
    Ok(TEXT)
}

fn unknown() -> AttachmentError {
    AttachmentError::Unsupported(
        "this file type is not accepted (images, PDF, text, CSV, Word, Excel, MP4, MP3, OGG and \
         M4A are)"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_by_their_magic_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF").unwrap(), JPEG);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0").unwrap(), PNG);
        assert_eq!(sniff(b"GIF89a..").unwrap(), GIF);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 ").unwrap(), WEBP);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0").unwrap(), HEIC);
    }

    #[test]
    fn media_and_documents() {
        assert_eq!(sniff(b"%PDF-1.7\n").unwrap(), PDF);
        assert_eq!(sniff(b"OggS\0\x02").unwrap(), OGG);
        assert_eq!(sniff(b"ID3\x04\0").unwrap(), MP3);
        assert_eq!(sniff(b"\xFF\xFB\x90\x64").unwrap(), MP3);
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0\x02\0").unwrap(), MP4);
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A \0\0\0\0").unwrap(), M4A);
        assert_eq!(sniff(b"PK\x03\x04....word/document.xml").unwrap(), DOCX);
        assert_eq!(sniff(b"PK\x03\x04....xl/workbook.xml").unwrap(), XLSX);
        assert_eq!(sniff("영수증 total: 12\n".as_bytes()).unwrap(), TEXT);
        assert_eq!(sniff_named(b"a,b\n1,2\n", "orders.CSV").unwrap(), CSV);
    }

    #[test]
    fn refused() {
        assert!(matches!(sniff(b""), Err(AttachmentError::Empty)));
        for bad in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"\xEF\xBB\xBF  <!doctype html><script>",
            b"MZ\x90\0",
            b"\x7FELF\x02",
            b"PK\x03\x04 plain.zip",
            b"\0\x01\x02binary",
        ] {
            assert!(
                matches!(sniff(bad), Err(AttachmentError::Unsupported(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn text_cut_mid_character_is_still_text() {
        // 6,000 bytes: the first SNIFF_BYTES end inside a three-byte character.
        let bytes = "가".repeat(2000).into_bytes();
        assert_eq!(sniff(&bytes).unwrap(), TEXT);
    }
}
