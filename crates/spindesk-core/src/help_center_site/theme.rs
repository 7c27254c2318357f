//! The help-center pages' HTML: one layout and a body per page, from plain data. Every piece
//! of data goes through [`escape`]; article bodies through [`html::sanitize`]; search snippets
//! arrive escaped (with only `<em>` marks) from `help_center::search`.
//!
//! The pages need no JavaScript. The only script is the chat widget (`/widget.js`, our own);
//! the stylesheet is inline and allowed by its hash (see [`csp`]).

use super::labels::Labels;
use super::paths;
use crate::help_center::catalog::{Article, Category, Section};
use crate::html::{self, escape};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::fmt::Write;

pub const STYLESHEET: &str = include_str!("theme.css");

/// The Content-Security-Policy of every page: nothing inline runs; scripts (the chat widget)
/// and its API calls only from this origin; the one stylesheet by its hash; images from https
/// and data URLs (article images are http or https; on an https page http ones would be
/// blocked as mixed content anyway); forms only to this origin.
pub fn csp() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLESHEET));
    format!(
        "default-src 'none'; script-src 'self'; style-src 'sha256-{hash}'; \
         img-src 'self' https: data:; connect-src 'self'; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'self'"
    )
}

/// What every page shares.
pub struct Frame<'a> {
    pub locale: &'a str,
    pub labels: &'static Labels,
    /// The page's own name for `<title>` (the help center's name is added).
    pub title: &'a str,
    /// The page's address, for `<link rel="canonical">`: a path, not a URL built from the
    /// request's `Host`, so a forged header cannot put another site into a cached page.
    pub canonical: Option<String>,
    /// Links above the heading, the help center's home first: (href, text).
    pub crumbs: Vec<(String, String)>,
    /// The search box's text.
    pub query: &'a str,
    /// The home page has its own big search box instead of the header's.
    pub header_search: bool,
}

/// The whole document around `main` (already HTML).
pub fn page(frame: &Frame, main: &str) -> String {
    let l = frame.labels;
    let locale = escape(frame.locale);
    let mut out = String::with_capacity(STYLESHEET.len() + main.len() + 2_000);
    let title = if frame.title.is_empty() || frame.title == l.help_center {
        escape(l.help_center)
    } else {
        format!("{} – {}", escape(frame.title), escape(l.help_center))
    };
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{locale}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n"
    );
    if let Some(canonical) = &frame.canonical {
        let _ = writeln!(
            out,
            "<link rel=\"canonical\" href=\"{}\">",
            escape(canonical)
        );
    }
    let _ = write!(
        out,
        "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n\
         <style>{STYLESHEET}</style>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">{skip}</a>\n\
         <header class=\"site\"><div class=\"wrap\">\
         <a class=\"brand\" href=\"{home}\">{name}</a>",
        skip = escape(l.skip_to_content),
        home = escape(&paths::home(frame.locale)),
        name = escape(l.help_center),
    );
    if frame.header_search {
        out.push_str(&search_form(frame, "header-query"));
    }
    out.push_str("</div></header>\n");
    if !frame.crumbs.is_empty() {
        let _ = write!(
            out,
            "<nav class=\"crumbs wrap\" aria-label=\"{}\"><ol>",
            escape(l.breadcrumb)
        );
        for (href, text) in &frame.crumbs {
            let _ = write!(
                out,
                "<li><a href=\"{}\">{}</a></li>",
                escape(href),
                escape(text)
            );
        }
        out.push_str("</ol></nav>\n");
    }
    let _ = write!(
        out,
        "<main id=\"main\" class=\"wrap\">\n{main}\n</main>\n\
         <footer class=\"site\"><div class=\"wrap\"><a href=\"{home}\">{name}</a></div></footer>\n\
         <script src=\"/widget.js\" defer data-locale=\"{locale}\"></script>\n</body>\n</html>\n",
        home = escape(&paths::home(frame.locale)),
        name = escape(l.help_center),
    );
    out
}

fn search_form(frame: &Frame, id: &str) -> String {
    let l = frame.labels;
    format!(
        "<form class=\"search\" role=\"search\" method=\"get\" action=\"{action}\">\
         <label class=\"visually-hidden\" for=\"{id}\">{label}</label>\
         <input type=\"search\" id=\"{id}\" name=\"query\" value=\"{value}\" \
         placeholder=\"{placeholder}\" maxlength=\"1000\" autocomplete=\"off\">\
         <button type=\"submit\">{label}</button></form>",
        action = escape(&paths::search(frame.locale)),
        label = escape(l.search),
        value = escape(frame.query),
        placeholder = escape(l.search_placeholder),
    )
}

/// A section with the first of its articles, as the home and category pages list it.
pub struct SectionBlock<'a> {
    pub section: &'a Section,
    pub articles: Vec<&'a Article>,
    /// Published articles in the section (more than shown: a "see all" link).
    pub count: i64,
}

pub struct CategoryBlock<'a> {
    pub category: &'a Category,
    pub sections: Vec<SectionBlock<'a>>,
}

pub fn home(frame: &Frame, categories: &[CategoryBlock]) -> String {
    let l = frame.labels;
    let mut out = format!(
        "<div class=\"hero\"><h1>{}</h1>{}</div>\n",
        escape(l.home_heading),
        search_form(frame, "home-query")
    );
    if categories.is_empty() {
        let _ = write!(out, "<p class=\"notice\">{}</p>", escape(l.no_articles));
        return out;
    }
    out.push_str("<div class=\"grid\">\n");
    for block in categories {
        let c = block.category;
        let heading_id = format!("category-{}", c.id);
        let _ = write!(
            out,
            "<section class=\"card\" aria-labelledby=\"{heading_id}\">\
             <h2 id=\"{heading_id}\"><a href=\"{}\">{}</a></h2>",
            escape(&paths::category(&c.locale, c.id, &c.name)),
            escape(&c.name)
        );
        if !c.description.is_empty() {
            let _ = write!(out, "<p class=\"lead\">{}</p>", escape(&c.description));
        }
        for s in &block.sections {
            out.push_str(&section_block(l, s, "h3"));
        }
        out.push_str("</section>\n");
    }
    out.push_str("</div>");
    out
}

pub fn category(frame: &Frame, c: &Category, sections: &[SectionBlock]) -> String {
    let l = frame.labels;
    let mut out = format!("<h1>{}</h1>", escape(&c.name));
    if !c.description.is_empty() {
        let _ = write!(out, "<p class=\"lead\">{}</p>", escape(&c.description));
    }
    if sections.is_empty() {
        let _ = write!(out, "<p class=\"notice\">{}</p>", escape(l.no_articles));
    }
    out.push_str("<div class=\"grid\">");
    for s in sections {
        out.push_str("<section class=\"card block\">");
        out.push_str(&section_block(l, s, "h2"));
        out.push_str("</section>");
    }
    out.push_str("</div>");
    out
}

fn section_block(l: &Labels, block: &SectionBlock, heading: &str) -> String {
    let s = block.section;
    let href = paths::section(&s.locale, s.id, &s.name);
    let mut out = format!(
        "<{heading}><a href=\"{}\">{}</a></{heading}>",
        escape(&href),
        escape(&s.name)
    );
    if block.articles.is_empty() {
        let _ = write!(out, "<p>{}</p>", escape(l.no_articles));
        return out;
    }
    out.push_str(&article_list(l, &block.articles, None));
    if block.count > block.articles.len() as i64 {
        let _ = write!(
            out,
            "<a class=\"more\" href=\"{}\">{}</a>",
            escape(&href),
            escape(&l.see_all(block.count))
        );
    }
    out
}

fn article_list(l: &Labels, articles: &[&Article], current: Option<i64>) -> String {
    let mut out = String::from("<ul class=\"articles\">");
    for a in articles {
        let aria = if current == Some(a.id) {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<li><a href=\"{}\"{aria}>{}</a>",
            escape(&paths::article(&a.locale, a.id, &a.title)),
            escape(&a.title)
        );
        if a.promoted {
            let _ = write!(out, "<span class=\"badge\">{}</span>", escape(l.promoted));
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
    out
}

/// Where a list page is: (page, pages) with links to the neighbours when they exist.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub previous: Option<String>,
    pub next: Option<String>,
}

fn pager(l: &Labels, p: &Pager) -> String {
    if p.pages <= 1 && p.previous.is_none() {
        return String::new();
    }
    let mut out = format!(
        "<nav class=\"pages\" aria-label=\"{}\">",
        escape(l.pagination)
    );
    if let Some(href) = &p.previous {
        let _ = write!(
            out,
            "<a rel=\"prev\" href=\"{}\">{}</a>",
            escape(href),
            escape(l.previous)
        );
    }
    let _ = write!(
        out,
        "<span aria-current=\"page\">{}</span>",
        escape(&l.page_of(p.page, p.pages.max(1)))
    );
    if let Some(href) = &p.next {
        let _ = write!(
            out,
            "<a rel=\"next\" href=\"{}\">{}</a>",
            escape(href),
            escape(l.next)
        );
    }
    out.push_str("</nav>");
    out
}

pub fn section(frame: &Frame, s: &Section, articles: &[&Article], pages: &Pager) -> String {
    let l = frame.labels;
    let mut out = format!("<h1>{}</h1>", escape(&s.name));
    if !s.description.is_empty() {
        let _ = write!(out, "<p class=\"lead\">{}</p>", escape(&s.description));
    }
    if articles.is_empty() {
        let _ = write!(out, "<p class=\"notice\">{}</p>", escape(l.no_articles));
    } else {
        out.push_str(&article_list(l, articles, None));
    }
    out.push_str(&pager(l, pages));
    out
}

pub fn article(
    frame: &Frame,
    a: &Article,
    section: Option<&Section>,
    others: &[&Article],
    more: bool,
) -> String {
    let l = frame.labels;
    let mut out = String::from("<div class=\"layout\"><article>");
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"meta\"><time datetime=\"{}\">{}</time></p>\
         <div class=\"body\">{}</div></article>",
        escape(&a.title),
        crate::timestamp::iso8601(a.edited_at),
        escape(&l.updated(a.edited_at)),
        html::sanitize(&a.body)
    );
    if let Some(s) = section.filter(|_| !others.is_empty()) {
        let _ = write!(
            out,
            "<aside aria-labelledby=\"in-section\"><h2 id=\"in-section\">{}</h2>{}",
            escape(l.articles_in_section),
            article_list(l, others, None)
        );
        if more {
            let _ = write!(
                out,
                "<a class=\"more\" href=\"{}\">{}</a>",
                escape(&paths::section(&s.locale, s.id, &s.name)),
                escape(&s.name)
            );
        }
        out.push_str("</aside>");
    }
    out.push_str("</div>");
    out
}

/// One search result: the article and its snippet (already HTML: escaped text with `<em>`).
pub struct Hit<'a> {
    pub article: &'a Article,
    pub snippet: &'a str,
}

/// The search page. `message` replaces the results when the query cannot be searched.
pub fn search(
    frame: &Frame,
    message: Option<&str>,
    results: &[Hit],
    count: i64,
    pages: &Pager,
) -> String {
    let l = frame.labels;
    let mut out = format!("<h1>{}</h1>", escape(l.search_results));
    if let Some(message) = message {
        let _ = write!(
            out,
            "<p class=\"notice\" role=\"status\">{}</p>",
            escape(message)
        );
        return out;
    }
    let _ = write!(
        out,
        "<p role=\"status\">{}</p>",
        escape(&l.results_for(count, frame.query))
    );
    if results.is_empty() {
        let _ = write!(out, "<p>{}</p>", escape(l.no_results_hint));
    } else {
        out.push_str("<ol class=\"results\">");
        for r in results {
            let a = r.article;
            let _ = write!(
                out,
                "<li><h2><a href=\"{}\">{}</a></h2><p>{}</p></li>",
                escape(&paths::article(&a.locale, a.id, &a.title)),
                escape(&a.title),
                r.snippet
            );
        }
        out.push_str("</ol>");
    }
    out.push_str(&pager(l, pages));
    out
}

/// An error or notice page: a heading, a sentence and the way home.
pub fn problem(frame: &Frame, heading: &str, text: &str, link: Option<&str>) -> String {
    let l = frame.labels;
    let mut out = format!("<h1>{}</h1><p>{}</p>", escape(heading), escape(text));
    if let Some(href) = link {
        let _ = write!(
            out,
            "<p><a href=\"{}\">{}</a></p>",
            escape(href),
            escape(href)
        );
    }
    let _ = write!(
        out,
        "<p><a href=\"{}\">{}</a></p>",
        escape(&paths::home(frame.locale)),
        escape(l.back_home)
    );
    out
}
