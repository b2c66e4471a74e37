//! Full-text search over the OCR text, accents and case ignored: FTS5 on SQLite, the
//! `tsv` column of `courrier_text` (configuration `pli_fr`, GIN index) on PostgreSQL.

use crate::db::{Dialect, params};
use crate::{Result, Store};
use serde::Serialize;

/// A courrier matching a query.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SearchHit {
    pub courrier: i64,
    /// Relevance, higher is better (negated BM25 on SQLite, `ts_rank_cd` on PostgreSQL).
    pub score: f64,
    /// An extract of the text with the matched words between `**`.
    pub snippet: String,
}

/// The words of what a user types: operators and quotes are taken as plain text.
fn words(user: &str) -> impl Iterator<Item = &str> {
    user.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// Turns what a user types into an FTS5 query: every word must match, as a prefix-free
/// term; FTS5 operators and quotes typed by the user are taken as plain words.
pub fn fts_query(user: &str) -> Option<String> {
    let terms: Vec<String> = words(user).map(|w| format!("\"{w}\"")).collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The same words as [`fts_query`], as a PostgreSQL `to_tsquery` text: every word must
/// match (`&`), none as a prefix; each quoted, so that nothing typed is an operator.
pub fn ts_query(user: &str) -> Option<String> {
    let terms: Vec<String> =
        words(user).map(|w| format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''"))).collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

/// How many of the most recent matches are ranked by relevance.
pub const RANKING_WINDOW: usize = 2_000;

/// The same on PostgreSQL, smaller: its newest-first walk tests each row's tsvector
/// (about 1 µs a row even in the row), where FTS5 walks its index; a quarter of the
/// window keeps two rare-ish words (1–2 % of the courriers) under 50 ms over a million
/// (docs/benchmarks.md).
pub const POSTGRES_RANKING_WINDOW: usize = 500;

/// How many of the most recent matches an engine ranks.
pub fn ranking_window(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Sqlite => RANKING_WINDOW,
        Dialect::Postgres => POSTGRES_RANKING_WINDOW,
    }
}

impl Store {
    /// Courriers whose text contains every word of `query`, best first.
    ///
    /// Ranking every match costs time in proportion to the matches: a query of common
    /// words over a million courriers would take half a second. So relevance is ranked
    /// among the [`RANKING_WINDOW`] most recent matches, which FTS5 finds by walking its
    /// index backwards and stopping early; a query with fewer matches is ranked whole.
    /// PostgreSQL ranks the same window; its extract (`ts_headline`, which parses the
    /// whole text) is computed for the page of results only.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let (text_query, sql) = match self.dialect() {
            Dialect::Sqlite => {
                let Some(fts) = fts_query(query) else { return Ok(Vec::new()) };
                let sql = "SELECT rowid, -bm25(courrier_text), snippet(courrier_text, 0, '**', '**', '…', 12)
                 FROM courrier_text
                 WHERE courrier_text MATCH ?1
                   AND rowid >= (SELECT coalesce(min(rowid), 0) FROM (
                         SELECT rowid FROM courrier_text WHERE courrier_text MATCH ?1
                         ORDER BY rowid DESC LIMIT ?3))
                 ORDER BY bm25(courrier_text) LIMIT ?2";
                (fts, sql)
            }
            Dialect::Postgres => {
                let Some(tsq) = ts_query(query) else { return Ok(Vec::new()) };
                let sql = "SELECT p.id, p.score,
                        ts_headline('pli_fr', t.text, to_tsquery('pli_fr', ?1),
                                    'StartSel=**, StopSel=**, MaxWords=12, MinWords=5, MaxFragments=1')
                 FROM (SELECT w.rowid AS id,
                              CAST(ts_rank_cd(w.tsv, to_tsquery('pli_fr', ?1)) AS DOUBLE PRECISION) AS score
                       FROM (SELECT rowid, tsv FROM courrier_text WHERE tsv @@ to_tsquery('pli_fr', ?1)
                             ORDER BY rowid DESC LIMIT ?3) w
                       ORDER BY score DESC, w.rowid DESC LIMIT ?2) p
                 JOIN courrier_text t ON t.rowid = p.id
                 ORDER BY p.score DESC, p.id DESC";
                (tsq, sql)
            }
        };
        self.read(|q| {
            q.rows(sql, params![text_query, limit as i64, ranking_window(q.dialect()) as i64])?
                .iter()
                .map(|r| Ok(SearchHit { courrier: r.get(0)?, score: r.get(1)?, snippet: r.get(2)? }))
                .collect()
        })
    }
}
