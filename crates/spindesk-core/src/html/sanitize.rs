//! Article bodies are HTML written by agents (or pasted from anywhere) and shown to customers
//! on the help-center pages, so they pass through an allow-list first.
//!
//! The safety does not rest on parsing exactly as a browser does: the output is written anew
//! from what was understood — only allow-listed elements, only allow-listed attributes, every
//! attribute value double-quoted and escaped, every piece of text escaped, no element whose
//! content a browser reads as raw text (`script`, `style`, `textarea`, ...), and every element
//! closed in order. Whatever the input meant, the browser reads the output the way it was
//! checked. Where the input is ambiguous, content is dropped, never passed through.
//!
//! `ammonia` (html5ever) does this with a full parser, but adds 784 KB to the `help-center`
//! component (718 KB → 1,503 KB, wasm32-wasip2 release); this is a few kilobytes.

use super::entities::{entity, escape};

/// Elements kept (with the attributes [`allowed_attribute`] lets through). `h1` is kept as
/// `h2`: the article's title is the page's one `h1`.
const ALLOWED: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
];

/// Elements without content or end tag.
const VOID: &[&str] = &["br", "hr", "img"];

/// Elements whose content browsers read as raw text up to their end tag: dropped with it.
/// (`plaintext` swallows the rest of the document, so it ends the body.)
const RAW_TEXT: &[&str] = &[
    "iframe", "noembed", "noframes", "noscript", "script", "style", "textarea", "title", "xmp",
];

/// Elements dropped with everything inside them (their content is markup, not text for a
/// reader: SVG and MathML drawings, templates, plug-ins, form controls).
const DROPPED_WITH_CONTENT: &[&str] = &[
    "applet", "button", "datalist", "math", "object", "select", "svg", "template",
];

/// Elements whose start closes an open `p`, as in the browser.
const CLOSES_P: &[&str] = &[
    "blockquote",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "table",
    "ul",
];

/// What an open `p` cannot be closed across (the browser's "button scope", for our elements).
const P_SCOPE: &[&str] = &["caption", "table", "td", "th"];

/// The allowed elements the browser calls "special": a new `li`, `dt` or `dd` closes the open
/// one only if none of these (other than `div` and `p`) is open inside it.
const SPECIAL: &[&str] = &[
    "blockquote",
    "br",
    "caption",
    "dd",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "pre",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Deeper nesting is flattened: its tags are dropped, its text kept.
const MAX_DEPTH: usize = 100;

/// The body HTML with only safe markup left: see the module documentation. Links get
/// `rel="noopener noreferrer nofollow"`; `href` may be http, https, mailto or relative; `src`
/// only http or https (an image without one is dropped).
pub fn sanitize(html: &str) -> String {
    let input;
    let mut rest: &str = if html.contains('\0') {
        input = html.replace('\0', "\u{FFFD}");
        &input
    } else {
        html
    };
    let mut w = Writer {
        out: String::with_capacity(rest.len()),
        open: Vec::new(),
        dropping: None,
    };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            w.text(rest);
            break;
        };
        w.text(&rest[..lt]);
        rest = &rest[lt..];
        let after = &rest[1..];
        rest = if let Some(comment) = after.strip_prefix("!--") {
            skip_comment(comment)
        } else if after.starts_with(['!', '?']) {
            // Doctypes, CDATA sections and processing instructions are bogus comments in HTML:
            // they end at the first `>`.
            after.find('>').map_or("", |gt| &after[gt + 1..])
        } else if let Some(end) = after.strip_prefix('/') {
            match end.as_bytes().first() {
                Some(b) if b.is_ascii_alphabetic() => match parse_tag(end) {
                    Some((tag, rest)) => {
                        w.end_tag(&tag.name);
                        rest
                    }
                    // A tag cut off by the end of the input is no tag (the browser drops it).
                    None => "",
                },
                Some(b'>') => &end[1..],
                _ => end.find('>').map_or("", |gt| &end[gt + 1..]),
            }
        } else if after
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphabetic)
        {
            match parse_tag(after) {
                Some((tag, rest)) => w.start_tag(&tag, rest),
                None => "",
            }
        } else {
            w.text("&lt;");
            after
        };
    }
    w.finish()
}

struct Writer {
    out: String,
    /// Elements opened in the output and not yet closed, innermost last.
    open: Vec<&'static str>,
    /// Inside a [`DROPPED_WITH_CONTENT`] element: its name and nesting depth.
    dropping: Option<(&'static str, usize)>,
}

impl Writer {
    fn text(&mut self, raw: &str) {
        if self.dropping.is_none() {
            write_text(&mut self.out, raw);
        }
    }

    /// Handles a start tag; returns the input after it (after its content, for raw-text
    /// elements).
    fn start_tag<'a>(&mut self, tag: &Tag, rest: &'a str) -> &'a str {
        let name = tag.name.as_str();
        if let Some(raw) = RAW_TEXT.iter().find(|&&n| n == name) {
            return skip_raw_text(rest, raw);
        }
        if name == "plaintext" {
            return "";
        }
        if let Some((dropped, depth)) = &mut self.dropping {
            if *dropped == name && !tag.self_closing {
                *depth += 1;
            }
            return rest;
        }
        if let Some(&dropped) = DROPPED_WITH_CONTENT.iter().find(|&&n| n == name) {
            if !tag.self_closing {
                self.dropping = Some((dropped, 1));
            }
            return rest;
        }
        let Some(name) = allowed_name(name) else {
            return rest;
        };
        // Keep the open elements as the browser will have them, so later end tags close
        // what the author meant.
        if CLOSES_P.contains(&name) {
            self.close_within("p", P_SCOPE);
        }
        match name {
            "li" => self.close_within("li", SPECIAL),
            "dt" | "dd" => {
                self.close_within("dt", SPECIAL);
                self.close_within("dd", SPECIAL);
            }
            // A heading straight inside a heading ends it.
            "h2" | "h3" | "h4" | "h5" | "h6" => {
                if let Some(&top) = self.open.last() {
                    if matches!(top, "h2" | "h3" | "h4" | "h5" | "h6") {
                        self.close_to(self.open.len() - 1);
                    }
                }
            }
            "tr" => self.close_within("tr", &["table"]),
            "td" | "th" => {
                self.close_within("td", &["tr", "table"]);
                self.close_within("th", &["tr", "table"]);
            }
            // A link inside a link is not a thing: the browser ends the first.
            "a" => self.close_within("a", &[]),
            _ => {}
        }
        let void = VOID.contains(&name);
        if !void && self.open.len() >= MAX_DEPTH {
            return rest;
        }
        let Some(attributes) = attributes(name, &tag.attributes) else {
            return rest;
        };
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(&attributes);
        self.out.push('>');
        if !void {
            self.open.push(name);
        }
        rest
    }

    fn end_tag(&mut self, name: &str) {
        if let Some((dropped, depth)) = &mut self.dropping {
            if *dropped == name {
                *depth -= 1;
                if *depth == 0 {
                    self.dropping = None;
                }
            }
            return;
        }
        let Some(name) = allowed_name(name) else {
            return;
        };
        if VOID.contains(&name) {
            return;
        }
        // An end tag with no such open element is dropped; one for an outer element closes
        // the inner ones first, so the output always nests.
        if let Some(at) = self.open.iter().rposition(|&n| n == name) {
            self.close_to(at);
        }
    }

    /// Closes the innermost open `name` (and what is inside it) unless one of `boundaries`
    /// is opened after it.
    fn close_within(&mut self, name: &str, boundaries: &[&str]) {
        for at in (0..self.open.len()).rev() {
            let open = self.open[at];
            if open == name {
                self.close_to(at);
                return;
            }
            if boundaries.contains(&open) {
                return;
            }
        }
    }

    fn close_to(&mut self, at: usize) {
        while self.open.len() > at {
            if let Some(name) = self.open.pop() {
                self.out.push_str("</");
                self.out.push_str(name);
                self.out.push('>');
            }
        }
    }

    fn finish(mut self) -> String {
        self.close_to(0);
        self.out
    }
}

fn allowed_name(name: &str) -> Option<&'static str> {
    let name = ALLOWED.iter().find(|&&n| n == name).copied()?;
    Some(if name == "h1" { "h2" } else { name })
}

/// A start or end tag: its name (lower case) and attributes (raw values, first of each name).
struct Tag<'a> {
    name: String,
    attributes: Vec<(String, &'a str)>,
    self_closing: bool,
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Reads a tag from just after `<` or `</` (at its name) as the HTML tokenizer does; `None` if
/// the input ends inside it. Returns the tag and the input after its `>`.
fn parse_tag(s: &str) -> Option<(Tag<'_>, &str)> {
    let bytes = s.as_bytes();
    let mut i = bytes
        .iter()
        .position(|&b| is_space(b) || b == b'/' || b == b'>')?;
    let mut tag = Tag {
        name: s[..i].to_ascii_lowercase(),
        attributes: Vec::new(),
        self_closing: false,
    };
    loop {
        while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
            tag.self_closing = bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'>');
            i += 1;
        }
        match bytes.get(i)? {
            b'>' => return Some((tag, &s[i + 1..])),
            _ => {
                // An `=` first is part of the name; after that it starts the value.
                let start = i;
                i += 1;
                while i < bytes.len()
                    && !is_space(bytes[i])
                    && !matches!(bytes[i], b'/' | b'>' | b'=')
                {
                    i += 1;
                }
                let name = s[start..i].to_ascii_lowercase();
                while i < bytes.len() && is_space(bytes[i]) {
                    i += 1;
                }
                let mut value = "";
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                    while i < bytes.len() && is_space(bytes[i]) {
                        i += 1;
                    }
                    match bytes.get(i)? {
                        &quote @ (b'"' | b'\'') => {
                            let len = s[i + 1..].find(char::from(quote))?;
                            value = &s[i + 1..i + 1 + len];
                            i += len + 2;
                        }
                        _ => {
                            let start = i;
                            while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                                i += 1;
                            }
                            if i == bytes.len() {
                                return None;
                            }
                            value = &s[start..i];
                        }
                    }
                }
                if !tag.attributes.iter().any(|(n, _)| *n == name) {
                    tag.attributes.push((name, value));
                }
            }
        }
    }
}

/// Skips a comment from just after `<!--`, ending as the browser ends it.
fn skip_comment(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix('>').or_else(|| s.strip_prefix("->")) {
        return rest;
    }
    let end = [s.find("-->").map(|i| i + 3), s.find("--!>").map(|i| i + 4)]
        .into_iter()
        .flatten()
        .min();
    end.map_or("", |end| &s[end..])
}

/// Skips the content of a raw-text element up to its end tag (left for the caller to read).
fn skip_raw_text<'a>(s: &'a str, name: &str) -> &'a str {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = s[from..].find("</").map(|i| from + i) {
        let name_end = i + 2 + name.len();
        let ends = bytes
            .get(i + 2..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            && bytes
                .get(name_end)
                .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>');
        if ends {
            return &s[i..];
        }
        from = i + 2;
    }
    ""
}

/// The attributes kept on `element`, written out (` name="value"` each); `None` when the
/// element must go (an image without a usable `src`).
fn attributes(element: &str, raw: &[(String, &str)]) -> Option<String> {
    let mut out = String::new();
    let mut has_src = false;
    for (name, value) in raw {
        let name = name.as_str();
        match (element, name) {
            ("a", "href") => {
                if let Some(url) = safe_url(value, &["http", "https", "mailto"], true) {
                    push(&mut out, "href", &url);
                    push(&mut out, "rel", "noopener noreferrer nofollow");
                }
            }
            ("img", "src") => {
                if let Some(url) = safe_url(value, &["http", "https"], false) {
                    push(&mut out, "src", &url);
                    has_src = true;
                }
            }
            (_, "title") | ("img", "alt") => {
                let mut text = String::new();
                write_text(&mut text, value);
                push_escaped(&mut out, name, &text);
            }
            (_, "lang") => {
                let v = decode(value);
                if !v.is_empty()
                    && v.len() <= 35
                    && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    push(&mut out, name, &v);
                }
            }
            (_, "dir") => {
                let v = decode(value).to_ascii_lowercase();
                if matches!(v.as_str(), "ltr" | "rtl" | "auto") {
                    push(&mut out, name, &v);
                }
            }
            ("img", "width" | "height") | ("td" | "th", "colspan" | "rowspan") => {
                let v = decode(value);
                if (1..=4).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
                    push(&mut out, name, &v);
                }
            }
            ("th", "scope") => {
                let v = decode(value).to_ascii_lowercase();
                if matches!(v.as_str(), "row" | "col" | "rowgroup" | "colgroup") {
                    push(&mut out, name, &v);
                }
            }
            ("ol", "start") => {
                let v = decode(value);
                if v.parse::<i32>().is_ok() {
                    push(&mut out, name, &v);
                }
            }
            ("ol", "type") => {
                let v = decode(value);
                if matches!(v.as_str(), "1" | "a" | "A" | "i" | "I") {
                    push(&mut out, name, &v);
                }
            }
            _ => {}
        }
    }
    if element == "img" && !has_src {
        return None;
    }
    Some(out)
}

/// Writes ` name="value"` (`value` escaped here).
fn push(out: &mut String, name: &str, value: &str) {
    push_escaped(out, name, &escape(value));
}

fn push_escaped(out: &mut String, name: &str, escaped: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    out.push_str(escaped);
    out.push('"');
}

/// The URL as the browser will read it, if its scheme is one of `schemes` (or it is relative
/// and `relative` allows that). Character references are decoded first (`jav&#x61;script:` is
/// `javascript:`), then what the URL parser ignores is removed: leading and trailing control
/// characters and spaces, and tabs and newlines anywhere.
fn safe_url(raw: &str, schemes: &[&str], relative: bool) -> Option<String> {
    let decoded = decode(raw);
    let url: String = decoded
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let scheme_len = url
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphabetic() || (i > 0 && (c.is_ascii_digit() || "+-.".contains(c))))
        })
        .map_or(url.len(), |(i, _)| i);
    if scheme_len > 0 && url[scheme_len..].starts_with(':') {
        let scheme = url[..scheme_len].to_ascii_lowercase();
        return schemes.contains(&scheme.as_str()).then_some(url);
    }
    if !relative {
        return None;
    }
    // `\` counts as `/` in http(s) URLs: `\\evil.example` is `//evil.example`, which is fine
    // (still http or https), so relative URLs need no more checks.
    Some(url)
}

/// Writes text escaped, with numeric character references decoded and named ones
/// (`&nbsp;`, `&hearts;`) passed through for the browser to decode: in text, a reference can
/// only ever be a character.
fn write_text(out: &mut String, raw: &str) {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&escape(&rest[..amp]));
        rest = &rest[amp..];
        match reference(rest) {
            Some((Reference::Numeric(c), len)) => {
                let mut buf = [0u8; 4];
                out.push_str(&escape(c.encode_utf8(&mut buf)));
                rest = &rest[len..];
            }
            Some((Reference::Named(_), len)) => {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
            }
            None => {
                out.push_str("&amp;");
                rest = &rest[1..];
            }
        }
    }
    out.push_str(&escape(rest));
}

/// An attribute value with its character references decoded; named references this module
/// does not know stay as written (and are escaped on output, so the browser sees exactly the
/// string that was checked).
fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match reference(rest) {
            Some((Reference::Numeric(c) | Reference::Named(Some(c)), len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

enum Reference {
    /// `&#106;`, `&#x6A;`, also without the `;` (as browsers accept).
    Numeric(char),
    /// `&name;`, with its character if [`entity`] knows it.
    Named(Option<char>),
}

/// The character reference at the start of `s` (which starts with `&`) and its length.
fn reference(s: &str) -> Option<(Reference, usize)> {
    let bytes = s.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let hex = matches!(bytes.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let digits = bytes[start..]
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        let radix = if hex { 16 } else { 10 };
        // Out of range, a surrogate or NUL: the browser reads U+FFFD.
        let c = u32::from_str_radix(&s[start..start + digits], radix)
            .ok()
            .filter(|&code| code != 0)
            .and_then(char::from_u32)
            .unwrap_or('\u{FFFD}');
        let mut len = start + digits;
        if bytes.get(len) == Some(&b';') {
            len += 1;
        }
        return Some((Reference::Numeric(c), len));
    }
    let name_len = bytes[1..]
        .iter()
        .take(32)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || bytes.get(1 + name_len) != Some(&b';') {
        return None;
    }
    Some((Reference::Named(entity(&s[1..1 + name_len])), name_len + 2))
}

#[cfg(test)]
mod tests;
