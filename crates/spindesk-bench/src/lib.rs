//! Benchmark fixtures: a generated help center of any size, with the vocabulary of the
//! relevance set in `tests/data/help_center/` (English and Korean support text).

use spindesk_core::help_center;
use spindesk_core::help_center::catalog::{self, Article, Category, Section};
use spindesk_core::html;
use spindesk_core::store::Db;
use spindesk_core::text;

const ARTICLES: &str = include_str!("../../../tests/data/help_center/articles.json");
const QUERIES: &str = include_str!("../../../tests/data/help_center/queries.json");

/// The relevance set's customer queries with their locales.
pub fn customer_queries() -> Vec<(String, String)> {
    let q: serde_json::Value = serde_json::from_str(QUERIES).expect("queries.json");
    q["queries"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|q| {
                    (
                        q["query"].as_str().unwrap_or("").to_owned(),
                        q["locale"].as_str().unwrap_or("en").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A small deterministic generator (xorshift), so every run benchmarks the same corpus.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Zipf-like: low indexes are much more frequent, as words are in real text.
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next_u64() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) - 1.0) as usize % n
    }
}

/// The words of the relevance set, per language, most frequent first.
pub struct Vocabulary {
    pub english: Vec<String>,
    pub korean: Vec<String>,
}

impl Vocabulary {
    pub fn load() -> Self {
        let articles: serde_json::Value = serde_json::from_str(ARTICLES).expect("articles.json");
        let mut en: Vec<(String, usize)> = Vec::new();
        let mut ko: Vec<(String, usize)> = Vec::new();
        for a in articles.as_array().expect("array") {
            let locale = a["locale"].as_str().unwrap_or("en");
            let text = format!(
                "{} {}",
                a["title"].as_str().unwrap_or(""),
                html::to_text(a["body"].as_str().unwrap_or(""))
            );
            let list = if locale.starts_with("ko") {
                &mut ko
            } else {
                &mut en
            };
            for token in text::tokens(&text) {
                match list.iter_mut().find(|(w, _)| w == token.text) {
                    Some((_, n)) => *n += 1,
                    None => list.push((token.text.to_owned(), 1)),
                }
            }
        }
        let sorted = |mut l: Vec<(String, usize)>| {
            l.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            l.into_iter().map(|(w, _)| w).collect()
        };
        Vocabulary {
            english: sorted(en),
            korean: sorted(ko),
        }
    }

    pub fn words(&self, korean: bool) -> &[String] {
        if korean {
            &self.korean
        } else {
            &self.english
        }
    }

    /// `n` words, Zipf-distributed, with a rare made-up product name now and then so the
    /// vocabulary keeps growing with the corpus as real help centers' does.
    pub fn sentence(&self, rng: &mut Rng, korean: bool, n: usize) -> String {
        let words = self.words(korean);
        (0..n)
            .map(|_| {
                if rng.below(40) == 0 {
                    format!("model{}", rng.below(50_000))
                } else {
                    words[rng.zipf(words.len())].clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A query of 1–4 words as a customer would type it.
    pub fn query(&self, rng: &mut Rng, korean: bool) -> String {
        let words = self.words(korean);
        let n = 1 + rng.below(4);
        (0..n)
            .map(|_| words[rng.below(words.len().min(400))].clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One generated article (half Korean, half English).
pub fn article(vocab: &Vocabulary, rng: &mut Rng, section_id: i64, i: usize) -> Article {
    let korean = i % 2 == 1;
    let title_len = 3 + rng.below(5);
    let paragraphs = 2 + rng.below(4);
    let body = (0..paragraphs)
        .map(|_| {
            let n = 30 + rng.below(40);
            format!("<p>{}</p>", vocab.sentence(rng, korean, n))
        })
        .collect::<String>();
    Article {
        id: 0,
        section_id,
        author_id: None,
        title: vocab.sentence(rng, korean, title_len),
        body,
        locale: if korean { "ko" } else { "en-us" }.into(),
        source_locale: if korean { "ko" } else { "en-us" }.into(),
        label_names: vec![vocab.words(korean)[rng.below(50)].clone()],
        draft: false,
        promoted: false,
        position: 0,
        comments_disabled: false,
        permission_group_id: None,
        user_segment_id: None,
        vote_sum: 0,
        vote_count: 0,
        created_at: 0,
        updated_at: 0,
        edited_at: 0,
    }
}

/// The help center's own database in `db` brought up to date, as a help-center request does
/// (`help_center::database::ensure`); the main database it would move articles from is an
/// empty one in memory.
pub fn help_center_schema(db: &Db) -> Result<(), spindesk_core::ports::SqlError> {
    let main = spindesk_native::NativeSql::open_in_memory();
    help_center::database::ensure(db, &Db::new(&main), 0)
}

/// A help center with `n` published articles in 20 sections, in the help center's own database
/// `db`; returns the section ids.
pub fn populate(db: &Db, vocab: &Vocabulary, n: usize) -> spindesk_core::Result<Vec<i64>> {
    help_center_schema(db)?;
    write_articles(db, vocab, n)
}

/// `n` published articles in 20 sections of one category, written into whatever database `db`
/// is that has the help center's tables; returns the section ids.
pub fn write_articles(db: &Db, vocab: &Vocabulary, n: usize) -> spindesk_core::Result<Vec<i64>> {
    let category = catalog::insert_category(
        db,
        &Category {
            id: 0,
            name: "Bench".into(),
            description: String::new(),
            locale: "en-us".into(),
            source_locale: "en-us".into(),
            position: 0,
            created_at: 0,
            updated_at: 0,
        },
    )?;
    let mut sections = Vec::new();
    for s in 0..20 {
        sections.push(catalog::insert_section(
            db,
            &Section {
                id: 0,
                category_id: category,
                name: format!("Section {s}"),
                description: String::new(),
                locale: "en-us".into(),
                source_locale: "en-us".into(),
                position: 0,
                sorting: "manual".into(),
                created_at: 0,
                updated_at: 0,
            },
        )?);
    }
    let mut rng = Rng::new(42);
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        db.transaction(|db| {
            for &i in chunk {
                let a = article(vocab, &mut rng, sections[i % sections.len()], i);
                catalog::insert_article(db, &a)?;
            }
            Ok::<_, spindesk_core::Error>(())
        })?;
    }
    Ok(sections)
}

/// A bench's database file in the temporary directory, named for the bench and the process,
/// removed with its WAL and shared-memory files when dropped (a generated help center of
/// 10,000 articles is ~60 MB: benches run again and again must not fill the disk).
pub struct ScratchDb {
    pub path: std::path::PathBuf,
}

impl ScratchDb {
    /// `<temp>/<name>-<pid>.db`, with whatever an earlier process of the same id left removed.
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("{name}-{}.db", std::process::id()));
        let scratch = ScratchDb { path };
        scratch.remove();
        scratch
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = self.path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        self.remove();
    }
}
