//! Summarises the JSON lines `load` printed (one file or several): the median of each figure
//! per case and server over the repeats, the ratios fastsio/peer, and the issue-20 targets.
//!
//! `report [--max-other PCT] results.jsonl [more.jsonl ..]` prints Markdown (the table of
//! docs/performance.md). With `--max-other`, a run during which other processes took more
//! than PCT % of a core is left out of its cell's medians, unless every run of the cell was.

use std::collections::BTreeMap;

use fastsio_bench::median;
use serde_json::Value;

/// A figure of a case: JSON key and label.
struct Metric {
    key: &'static str,
    label: &'static str,
}

const fn m(key: &'static str, label: &'static str) -> Metric {
    Metric { key, label }
}

fn metrics(scenario: &str) -> Vec<Metric> {
    let mut v = match scenario {
        "echo" | "block" | "polling" => vec![
            m("ops_per_s", "acks/s"),
            m("cpu_us_per_op", "server CPU µs/ack"),
            m("p50_us", "p50 latency µs"),
            m("p99_us", "p99 latency µs"),
            m("fairness", "fairness max/min acks"),
        ],
        "broadcast" | "rooms" => vec![
            m("ops_per_s", "deliveries/s"),
            m("cpu_us_per_op", "server CPU µs/delivery"),
            m("p50_us", "p50 latency µs"),
            m("p99_us", "p99 latency µs"),
            m("reordered", "reordered deliveries"),
        ],
        "polling-broadcast" => vec![
            m("ops_per_s", "deliveries/s"),
            m("cpu_us_per_op", "server CPU µs/delivery"),
            m("p50_us", "p50 latency µs"),
            m("p99_us", "p99 latency µs"),
            m("packets_per_poll", "packets per poll answer"),
            m("queued_incomplete", "answers missing queued packets"),
        ],
        "connect" => vec![
            m("ops_per_s", "connects/s"),
            m("cpu_us_per_op", "server CPU µs/connect"),
            m("rss_kib_per_conn", "idle RSS KiB/conn"),
            m("rss_after_kib", "server RSS KiB, connections open"),
        ],
        _ => Vec::new(),
    };
    v.push(m("server_cpu_pct", "server CPU %"));
    v.push(m("other_cpu_pct", "other CPU % (noise)"));
    v
}

/// Runs of one case by one server.
#[derive(Default)]
struct Runs {
    runs: Vec<serde_json::Map<String, Value>>,
}

impl Runs {
    fn median(&self, key: &str) -> Option<f64> {
        let mut values: Vec<f64> = self
            .runs
            .iter()
            .filter_map(|r| match r.get(key) {
                Some(Value::Number(n)) => n.as_f64(),
                // A client that got no ack in the window: unbounded unfairness.
                Some(Value::Null) if key == "fairness" => Some(f64::INFINITY),
                _ => None,
            })
            .collect();
        (!values.is_empty()).then(|| median(&mut values))
    }

    /// Failed runs, mismatches and errors over every repeat.
    fn problems(&self) -> (usize, u64, u64) {
        let get = |r: &serde_json::Map<String, Value>, k: &str| {
            r.get(k).and_then(Value::as_u64).unwrap_or(0)
        };
        (
            self.runs
                .iter()
                .filter(|r| r.get("ok") != Some(&Value::Bool(true)))
                .count(),
            self.runs.iter().map(|r| get(r, "mismatches")).sum(),
            self.runs.iter().map(|r| get(r, "errors")).sum(),
        )
    }
}

fn fmt(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v.is_infinite() => "∞".into(),
        Some(v) if v.abs() >= 1000.0 => format!("{:.0}", v),
        Some(v) if v.abs() >= 100.0 => format!("{:.1}", v),
        Some(v) => format!("{:.2}", v),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 && a.is_finite() && b.is_finite() => Some(a / b),
        _ => None,
    }
}

fn main() {
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    let mut max_other = f64::INFINITY;
    if files.first().map(String::as_str) == Some("--max-other") && files.len() >= 2 {
        max_other = files[1].parse().unwrap_or(f64::INFINITY);
        files.drain(..2);
    }
    if files.is_empty() {
        eprintln!("usage: report [--max-other PCT] RESULTS.jsonl [MORE.jsonl ..]");
        std::process::exit(2);
    }
    // case -> server -> runs, in order of first appearance.
    let mut cases: Vec<(String, String)> = Vec::new(); // (case, scenario)
    let mut servers: Vec<String> = Vec::new();
    let mut data: BTreeMap<(String, String), Runs> = BTreeMap::new();
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{file}: {e}");
                std::process::exit(1);
            }
        };
        for line in text.lines().filter(|l| l.starts_with('{')) {
            let Ok(Value::Object(run)) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let get = |k: &str| {
                run.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string()
            };
            let (case, scenario, server) = (get("case"), get("scenario"), get("server"));
            if !cases.iter().any(|(c, _)| *c == case) {
                cases.push((case.clone(), scenario));
            }
            if !servers.contains(&server) {
                servers.push(server.clone());
            }
            data.entry((case, server)).or_default().runs.push(run);
        }
    }
    let all_runs: BTreeMap<(String, String), (usize, u64, u64, usize)> = data
        .iter()
        .map(|(k, r)| {
            let (failed, mismatches, errors) = r.problems();
            (k.clone(), (failed, mismatches, errors, r.runs.len()))
        })
        .collect();
    // Quiet runs only, where a cell has some.
    let mut dropped: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (key, runs) in data.iter_mut() {
        let quiet = |r: &serde_json::Map<String, Value>| {
            r.get("other_cpu_pct")
                .and_then(Value::as_f64)
                .is_none_or(|o| o <= max_other)
        };
        if runs.runs.iter().any(quiet) {
            let before = runs.runs.len();
            runs.runs.retain(quiet);
            dropped.insert(key.clone(), before - runs.runs.len());
        }
    }
    // fastsio first, peers after.
    servers.sort_by_key(|s| (s != "fastsio", servers_rank(s)));
    let peers: Vec<&String> = servers.iter().filter(|s| *s != "fastsio").collect();
    let has_fastsio = servers.iter().any(|s| s == "fastsio");

    let repeats = data.values().map(|r| r.runs.len()).max().unwrap_or(0);
    println!("Medians of up to {repeats} run(s) per cell; ratios are fastsio / peer.");
    let noisy: usize = dropped.values().sum();
    if noisy > 0 {
        println!(
            "{noisy} run(s) left out: other processes took more than {max_other}% of a core \
             during them (the checks below count every run)."
        );
    }
    println!();
    let mut header = String::from("| case | figure |");
    let mut rule = String::from("| --- | --- |");
    for s in &servers {
        header += &format!(" {s} |");
        rule += " ---: |";
    }
    if has_fastsio {
        for p in &peers {
            header += &format!(" fastsio/{p} |");
            rule += " ---: |";
        }
    }
    println!("{header}\n{rule}");
    let empty = Runs::default();
    let runs = |case: &str, server: &str| {
        data.get(&(case.to_string(), server.to_string()))
            .unwrap_or(&empty)
    };
    for (case, scenario) in &cases {
        let mut row = format!("| {case} | runs in the medians |");
        for s in &servers {
            row += &format!(" {} |", runs(case, s).runs.len());
        }
        if has_fastsio {
            row += &" |".repeat(peers.len());
        }
        println!("{row}");
        for metric in metrics(scenario) {
            let mut row = format!("| {case} | {} |", metric.label);
            for s in &servers {
                row += &format!(" {} |", fmt(runs(case, s).median(metric.key)));
            }
            if has_fastsio {
                let ours = runs(case, "fastsio").median(metric.key);
                for p in &peers {
                    let r = ratio(ours, runs(case, p).median(metric.key));
                    row += &format!(" {} |", r.map_or("–".into(), |r| format!("{r:.2}×")));
                }
            }
            println!("{row}");
        }
    }

    println!("\nChecks (every ack and delivery compared with what was sent):\n");
    for (case, _) in &cases {
        for s in &servers {
            let (failed, mismatches, errors, n) = all_runs
                .get(&(case.clone(), s.clone()))
                .copied()
                .unwrap_or_default();
            println!(
                "- {case} / {s}: {n} run(s), {failed} not ok, {mismatches} mismatches, {errors} errors"
            );
        }
    }

    if has_fastsio {
        targets(&cases, &servers, &runs);
    }
}

/// The targets of issue 20 that the run's cases and servers allow to check.
fn targets<'a>(
    cases: &[(String, String)],
    servers: &[String],
    runs: &dyn Fn(&str, &str) -> &'a Runs,
) {
    let has = |server: &str| servers.iter().any(|s| s == server);
    let case_of = |scenario: &str, preferred: &str| {
        cases
            .iter()
            .filter(|(_, s)| s == scenario)
            .map(|(c, _)| c.clone())
            .find(|c| c == preferred || preferred.is_empty())
    };
    let med = |case: &str, server: &str, key: &str| runs(case, server).median(key);
    println!("\nIssue 20 targets:\n");
    println!("| target | fastsio | peer | ratio | met |");
    println!("| --- | ---: | ---: | ---: | --- |");
    let verdict = |met: Option<bool>| match met {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => "n/a",
    };
    // fastsio's figure against `peer`'s in `case`: met when the ratio is at most `limit`
    // (`le`) or at least `limit`.
    let target = |name: &str, case: &str, peer: &str, key: &str, limit: f64, le: bool| {
        if !has(peer) {
            return;
        }
        let (ours, theirs) = (med(case, "fastsio", key), med(case, peer, key));
        let r = ratio(ours, theirs);
        println!(
            "| {name} | {} | {} | {} | {} |",
            fmt(ours),
            fmt(theirs),
            r.map_or("–".into(), |r| format!("{r:.2}×")),
            verdict(r.map(|r| if le { r <= limit } else { r >= limit })),
        );
    };
    let cpu = "cpu_us_per_op";
    if let Some(c) = case_of("broadcast", "broadcast-1000-w1") {
        let n = format!("{c} server CPU/delivery");
        target(
            &format!("{n} ≤ 0.9× socketioxide"),
            &c,
            "socketioxide",
            cpu,
            0.9,
            true,
        );
        target(&format!("{n} ≤ 1.1× bare"), &c, "bare", cpu, 1.1, true);
    }
    for c in ["echo-100", "echo-1000"] {
        if case_of("echo", c).is_some() {
            target(
                &format!("{c} server CPU/ack ≤ 1.05× bare"),
                c,
                "bare",
                cpu,
                1.05,
                true,
            );
        }
    }
    if let Some(c) = case_of("polling", "") {
        let n = format!("{c} server CPU/ack");
        target(
            &format!("{n} ≤ 0.8× socketioxide"),
            &c,
            "socketioxide",
            cpu,
            0.8,
            true,
        );
        target(&format!("{n} ≤ 0.3× node"), &c, "node", cpu, 0.3, true);
    }
    if let Some(c) = case_of("polling-broadcast", "") {
        let incomplete: Option<f64> = runs(&c, "fastsio")
            .runs
            .iter()
            .map(|r| r.get("queued_incomplete").and_then(Value::as_f64))
            .sum();
        println!(
            "| {c}: a poll answer carries everything queued (answers missing some) | {} | (limit 0) | – | {} |",
            fmt(incomplete),
            verdict(incomplete.map(|v| v == 0.0)),
        );
    }
    if let Some(c) = case_of("connect", "connect-10000") {
        let rss = med(&c, "fastsio", "rss_kib_per_conn");
        println!(
            "| {c} idle RSS ≤ 8 KiB per WebSocket connection | {} | (limit 8) | – | {} |",
            fmt(rss),
            verdict(rss.map(|v| v <= 8.0)),
        );
        target(
            &format!("{c} connects/s ≥ 1.5× socketioxide"),
            &c,
            "socketioxide",
            "ops_per_s",
            1.5,
            false,
        );
    }
}

/// Peers in a fixed order when present.
fn servers_rank(s: &str) -> usize {
    match s {
        "fastsio" => 0,
        "socketioxide" => 1,
        "node" => 2,
        _ => 3,
    }
}
