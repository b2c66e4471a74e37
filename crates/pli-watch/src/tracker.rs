//! Which batches of a scanner folder are complete: a batch is taken once its size and
//! date have not changed for the profile's delay (or, for a folder of pages, once its
//! done marker is there). Pure bookkeeping over looks at the folder, so that it can be
//! tested without waiting.

use crate::scan::{Found, Signature};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Candidate {
    signature: Signature,
    /// Since when the signature has not changed.
    unchanged_since: Instant,
    /// Not to be tried before (after a passing failure).
    not_before: Option<Instant>,
    /// Passing failures so far, for the backoff.
    failures: u32,
}

#[derive(Debug)]
pub struct Tracker {
    quiet: Duration,
    candidates: BTreeMap<PathBuf, Candidate>,
}

/// Longest wait between two tries of a batch that keeps failing for a passing reason.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

impl Tracker {
    pub fn new(quiet: Duration) -> Self {
        Tracker { quiet, candidates: BTreeMap::new() }
    }

    /// Takes in a look at the folder: new batches start their wait, changed ones start
    /// it again, vanished ones are forgotten.
    pub fn observe(&mut self, found: Vec<Found>, now: Instant) {
        let mut next = BTreeMap::new();
        for f in found {
            let candidate = match self.candidates.remove(&f.path) {
                Some(c) if c.signature == f.signature => c,
                // New or changed (still being written): its wait starts (again) from now.
                _ => Candidate { signature: f.signature, unchanged_since: now, not_before: None, failures: 0 },
            };
            next.insert(f.path, candidate);
        }
        self.candidates = next;
    }

    fn is_ready(&self, c: &Candidate, now: Instant) -> bool {
        let settled = if c.signature.awaits_marker {
            c.signature.marked_done
        } else {
            now.duration_since(c.unchanged_since) >= self.quiet
        };
        settled && c.not_before.is_none_or(|t| now >= t)
    }

    /// The complete batch that has waited longest, if any.
    pub fn ready(&self, now: Instant) -> Option<PathBuf> {
        self.candidates
            .iter()
            .filter(|(_, c)| self.is_ready(c, now))
            .min_by_key(|(path, c)| (c.signature.modified, (*path).clone()))
            .map(|(path, _)| path.clone())
    }

    /// How long until a batch may become ready, if any is waiting.
    pub fn next_due(&self, now: Instant) -> Option<Duration> {
        self.candidates
            .values()
            .map(|c| {
                let quiet_end = match (c.signature.awaits_marker, c.signature.marked_done) {
                    (true, true) => now,
                    (true, false) => now + self.quiet, // no telling: look again later
                    (false, _) => c.unchanged_since + self.quiet,
                };
                quiet_end.max(c.not_before.unwrap_or(now)).saturating_duration_since(now)
            })
            .min()
    }

    /// A passing failure: try again after a growing delay (2 s, 4 s, … 5 min). Returns the delay.
    pub fn postpone(&mut self, path: &Path, now: Instant) -> Duration {
        let Some(c) = self.candidates.get_mut(path) else { return Duration::ZERO };
        c.failures += 1;
        let delay = Duration::from_secs(1u64 << c.failures.min(9)).min(MAX_BACKOFF);
        c.not_before = Some(now + delay);
        delay
    }

    /// Set aside until its next change or until the folder is looked at by a new run.
    pub fn forget(&mut self, path: &Path) {
        self.candidates.remove(path);
    }

    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    pub fn failures(&self, path: &Path) -> u32 {
        self.candidates.get(path).map_or(0, |c| c.failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(name: &str, bytes: u64, awaits_marker: bool, marked_done: bool) -> Found {
        Found {
            path: name.into(),
            signature: Signature { bytes, modified: None, files: 1, awaits_marker, marked_done },
        }
    }

    #[test]
    fn a_batch_is_ready_only_after_the_quiet_delay_without_change() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut t = Tracker::new(s(5));
        t.observe(vec![found("a.pdf", 100, false, false)], t0);
        assert_eq!(t.ready(t0 + s(4)), None);
        t.observe(vec![found("a.pdf", 200, false, false)], t0 + s(4)); // still growing
        assert_eq!(t.ready(t0 + s(8)), None);
        assert_eq!(t.next_due(t0 + s(8)), Some(s(1)));
        t.observe(vec![found("a.pdf", 200, false, false)], t0 + s(9));
        assert_eq!(t.ready(t0 + s(9)), Some("a.pdf".into()));
    }

    #[test]
    fn a_folder_awaiting_its_marker_is_ready_when_it_comes_and_not_before() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut t = Tracker::new(s(2));
        t.observe(vec![found("lot", 10, true, false)], t0);
        assert_eq!(t.ready(t0 + s(60)), None, "quiet for long, but no marker");
        t.observe(vec![found("lot", 10, true, true)], t0 + s(61));
        assert_eq!(t.ready(t0 + s(61)), Some("lot".into()), "at once");
    }

    #[test]
    fn passing_failures_back_off_and_vanished_batches_are_forgotten() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut t = Tracker::new(s(1));
        t.observe(vec![found("a.pdf", 1, false, false)], t0);
        assert_eq!(t.postpone(Path::new("a.pdf"), t0 + s(1)), s(2));
        assert_eq!(t.ready(t0 + s(2)), None);
        assert_eq!(t.ready(t0 + s(3)), Some("a.pdf".into()));
        assert_eq!(t.postpone(Path::new("a.pdf"), t0 + s(3)), s(4));
        for _ in 0..20 {
            t.postpone(Path::new("a.pdf"), t0);
        }
        assert_eq!(t.next_due(t0), Some(MAX_BACKOFF));
        t.observe(vec![], t0 + s(4));
        assert!(t.is_empty());
    }
}
