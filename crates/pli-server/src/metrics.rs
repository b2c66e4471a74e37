//! Prometheus figures of the running server: requests and their latencies by route and
//! status. Sessions are counted in the database at each scrape (they are shared by every
//! server), not here.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, u16), Series>>,
}

#[derive(Default, Clone)]
struct Series {
    count: u64,
    seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

impl Metrics {
    pub fn record(&self, route: &str, status: u16, took: Duration) {
        let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let series = routes.entry((route.to_string(), status)).or_default();
        let s = took.as_secs_f64();
        series.count += 1;
        series.seconds += s;
        for (i, le) in BUCKETS.iter().enumerate() {
            if s <= *le {
                series.buckets[i] += 1;
            }
        }
    }

    /// The text exposition format; `sessions` is read from the database by the caller.
    pub fn render(&self, sessions: Option<usize>) -> String {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut out = String::new();
        out.push_str("# HELP pli_http_requests_total Requests answered, by route and status.\n");
        out.push_str("# TYPE pli_http_requests_total counter\n");
        for ((route, status), s) in &routes {
            let _ = writeln!(out, "pli_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}", s.count);
        }
        out.push_str("# HELP pli_http_errors_total Requests answered with a server error (5xx), by route.\n");
        out.push_str("# TYPE pli_http_errors_total counter\n");
        let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
        for ((route, status), s) in &routes {
            if *status >= 500 {
                *errors.entry(route).or_default() += s.count;
            }
        }
        for (route, n) in errors {
            let _ = writeln!(out, "pli_http_errors_total{{route=\"{route}\"}} {n}");
        }
        // Latencies by route, all statuses together.
        let mut by_route: BTreeMap<&str, Series> = BTreeMap::new();
        for ((route, _), s) in &routes {
            let r = by_route.entry(route).or_default();
            r.count += s.count;
            r.seconds += s.seconds;
            for (i, b) in s.buckets.iter().enumerate() {
                r.buckets[i] += b;
            }
        }
        out.push_str("# HELP pli_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE pli_http_request_duration_seconds histogram\n");
        for (route, s) in &by_route {
            for (le, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(out, "pli_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {n}");
            }
            let _ =
                writeln!(out, "pli_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "pli_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", s.seconds);
            let _ = writeln!(out, "pli_http_request_duration_seconds_count{{route=\"{route}\"}} {}", s.count);
        }
        if let Some(n) = sessions {
            out.push_str("# HELP pli_sessions Browser sessions alive (all servers).\n# TYPE pli_sessions gauge\n");
            let _ = writeln!(out, "pli_sessions {n}");
        }
        out
    }
}
