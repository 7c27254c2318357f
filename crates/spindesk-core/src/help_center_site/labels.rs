//! The fixed words of the help-center pages, in the page locale's language: Korean for `ko`
//! and `ko-*`, English for every other locale (article content is whatever the authors wrote).
//! Everything here is plain text; the theme escapes it.

use crate::ports::Millis;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    Korean,
}

impl Language {
    pub fn of_locale(locale: &str) -> Language {
        match locale.split('-').next() {
            Some("ko") => Language::Korean,
            _ => Language::English,
        }
    }
}

/// The words of one language.
pub struct Labels {
    pub language: Language,
    pub help_center: &'static str,
    pub home_heading: &'static str,
    pub skip_to_content: &'static str,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub search_results: &'static str,
    pub breadcrumb: &'static str,
    pub pagination: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub articles_in_section: &'static str,
    pub no_articles: &'static str,
    pub promoted: &'static str,
    pub empty_query: &'static str,
    pub no_results_hint: &'static str,
    pub query_too_long: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub bad_request_title: &'static str,
    pub bad_page_number: &'static str,
    pub method_title: &'static str,
    pub method_text: &'static str,
    pub error_title: &'static str,
    pub error_text: &'static str,
    pub back_home: &'static str,
    pub moved: &'static str,
}

const ENGLISH: Labels = Labels {
    language: Language::English,
    help_center: "Help Center",
    home_heading: "How can we help?",
    skip_to_content: "Skip to content",
    search: "Search",
    search_placeholder: "Search the Help Center",
    search_results: "Search results",
    breadcrumb: "Breadcrumb",
    pagination: "Pages",
    previous: "Previous",
    next: "Next",
    articles_in_section: "Articles in this section",
    no_articles: "There are no articles here yet.",
    promoted: "Promoted",
    empty_query: "Type a word or two about what you need help with.",
    no_results_hint: "Try other words, or ask us in the chat.",
    query_too_long: "Your search is longer than 1,000 characters. Try a shorter one.",
    not_found_title: "Page not found",
    not_found_text: "The page you were looking for does not exist, is no longer published, or \
                     has moved.",
    bad_request_title: "That address is not valid",
    bad_page_number: "The page number in the address must be a whole number from 1 to 1,000,000.",
    method_title: "Method not allowed",
    method_text: "Help Center pages can only be read (GET or HEAD).",
    error_title: "Something went wrong",
    error_text: "Something went wrong on our side. Please try again in a moment.",
    back_home: "Go to the Help Center home",
    moved: "This page has moved to",
};

const KOREAN: Labels = Labels {
    language: Language::Korean,
    help_center: "고객센터",
    home_heading: "무엇을 도와드릴까요?",
    skip_to_content: "본문으로 건너뛰기",
    search: "검색",
    search_placeholder: "고객센터 검색",
    search_results: "검색 결과",
    breadcrumb: "현재 위치",
    pagination: "페이지",
    previous: "이전",
    next: "다음",
    articles_in_section: "이 섹션의 문서",
    no_articles: "아직 문서가 없습니다.",
    promoted: "추천",
    empty_query: "궁금한 내용을 한두 단어로 입력해 주세요.",
    no_results_hint: "다른 단어로 검색하거나 채팅으로 문의해 주세요.",
    query_too_long: "검색어가 1,000자를 넘습니다. 더 짧게 입력해 주세요.",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_text: "찾으시는 페이지가 없거나, 더 이상 게시되지 않거나, 다른 곳으로 옮겨졌습니다.",
    bad_request_title: "올바르지 않은 주소입니다",
    bad_page_number: "주소의 페이지 번호는 1부터 1,000,000 사이의 정수여야 합니다.",
    method_title: "허용되지 않는 요청입니다",
    method_text: "고객센터 페이지는 읽기(GET, HEAD)만 할 수 있습니다.",
    error_title: "문제가 발생했습니다",
    error_text: "일시적인 문제가 발생했습니다. 잠시 후 다시 시도해 주세요.",
    back_home: "고객센터 홈으로 가기",
    moved: "이 페이지는 다음 주소로 옮겨졌습니다:",
};

impl Labels {
    pub fn for_locale(locale: &str) -> &'static Labels {
        match Language::of_locale(locale) {
            Language::English => &ENGLISH,
            Language::Korean => &KOREAN,
        }
    }

    pub fn page_of(&self, page: i64, pages: i64) -> String {
        match self.language {
            Language::English => format!("Page {page} of {pages}"),
            Language::Korean => format!("{pages}페이지 중 {page}페이지"),
        }
    }

    pub fn see_all(&self, count: i64) -> String {
        let n = thousands(count);
        match self.language {
            Language::English => format!("See all {n} articles"),
            Language::Korean => format!("문서 {n}개 모두 보기"),
        }
    }

    /// "12 results for “refund”"; the caller escapes it.
    pub fn results_for(&self, count: i64, query: &str) -> String {
        let n = thousands(count);
        match (self.language, count) {
            (Language::English, 0) => format!("No results for “{query}”."),
            (Language::English, 1) => format!("1 result for “{query}”"),
            (Language::English, _) => format!("{n} results for “{query}”"),
            (Language::Korean, 0) => format!("“{query}”에 대한 검색 결과가 없습니다."),
            (Language::Korean, _) => format!("“{query}” 검색 결과 {n}건"),
        }
    }

    pub fn unsearchable(&self, query: &str) -> String {
        match self.language {
            Language::English => format!(
                "“{query}” has no words we can search for: only very common words (like “how” \
                 or “the”), punctuation or symbols. Try more specific words."
            ),
            Language::Korean => format!(
                "“{query}”에는 검색할 수 있는 단어가 없습니다(자주 쓰이는 말, 문장 부호, 기호뿐입니다). \
                 더 구체적인 단어로 검색해 주세요."
            ),
        }
    }

    /// "Updated November 25, 2026" / "2026년 11월 25일 업데이트" (UTC).
    pub fn updated(&self, ms: Millis) -> String {
        let Ok(t) = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) else {
            return String::new();
        };
        let (year, day) = (t.year(), t.day());
        match self.language {
            Language::English => {
                const MONTHS: [&str; 12] = [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ];
                let month = MONTHS[usize::from(u8::from(t.month())) - 1];
                format!("Updated {month} {day}, {year}")
            }
            Language::Korean => {
                let month = u8::from(t.month());
                format!("{year}년 {month}월 {day}일 업데이트")
            }
        }
    }
}

/// `1234567` → `1,234,567` (both languages group by thousands with commas).
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_follows_the_locale() {
        assert_eq!(Language::of_locale("ko"), Language::Korean);
        assert_eq!(Language::of_locale("ko-kr"), Language::Korean);
        assert_eq!(Language::of_locale("en-us"), Language::English);
        assert_eq!(Language::of_locale("kok"), Language::English);
        assert_eq!(Labels::for_locale("ko").search, "검색");
        assert_eq!(Labels::for_locale("pt-br").search, "Search");
    }

    #[test]
    fn numbers_and_dates() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        // 2026-11-25T09:28:56Z
        let ms = 1_795_598_936_000;
        assert_eq!(
            Labels::for_locale("en-us").updated(ms),
            "Updated November 25, 2026"
        );
        assert_eq!(
            Labels::for_locale("ko").updated(ms),
            "2026년 11월 25일 업데이트"
        );
        assert_eq!(
            Labels::for_locale("en").results_for(1_200, "a"),
            "1,200 results for “a”"
        );
        assert_eq!(Labels::for_locale("ko").page_of(2, 5), "5페이지 중 2페이지");
    }
}
