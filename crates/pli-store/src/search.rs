//! Full-text search over the OCR text (FTS5, accents and case ignored).

use crate::{Result, Store};
use rusqlite::params;
use serde::Serialize;

/// A courrier matching a query.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SearchHit {
    pub courrier: i64,
    /// Relevance, higher is better (negated BM25).
    pub score: f64,
    /// An extract of the text with the matched words between `**`.
    pub snippet: String,
}

/// Turns what a user types into an FTS5 query: every word must match, as a prefix-free
/// term; FTS5 operators and quotes typed by the user are taken as plain words.
pub fn fts_query(user: &str) -> Option<String> {
    let terms: Vec<String> =
        user.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| format!("\"{w}\"")).collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// How many of the most recent matches are ranked by relevance.
pub const RANKING_WINDOW: usize = 2_000;

impl Store {
    /// Courriers whose text contains every word of `query`, best first.
    ///
    /// Ranking every match costs time in proportion to the matches: a query of common
    /// words over a million courriers would take half a second. So relevance is ranked
    /// among the [`RANKING_WINDOW`] most recent matches, which FTS5 finds by walking its
    /// index backwards and stopping early; a query with fewer matches is ranked whole.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(fts) = fts_query(query) else { return Ok(Vec::new()) };
        let mut stmt = self
            .connection()
            .prepare_cached(
                "SELECT rowid, -bm25(courrier_text), snippet(courrier_text, 0, '**', '**', '…', 12)
                 FROM courrier_text
                 WHERE courrier_text MATCH ?1
                   AND rowid >= (SELECT coalesce(min(rowid), 0) FROM (
                         SELECT rowid FROM courrier_text WHERE courrier_text MATCH ?1
                         ORDER BY rowid DESC LIMIT ?3))
                 ORDER BY bm25(courrier_text) LIMIT ?2",
            )
            .map_err(|e| self.sql_err(e))?;
        let hits = stmt
            .query_map(params![fts, limit as i64, RANKING_WINDOW as i64], |r| {
                Ok(SearchHit { courrier: r.get(0)?, score: r.get(1)?, snippet: r.get(2)? })
            })
            .and_then(|rows| rows.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| self.sql_err(e))?;
        Ok(hits)
    }
}
