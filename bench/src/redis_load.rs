//! The load generator's cross-node pieces (`scripts/bench-redis.sh`): receivers spread over the
//! nodes of a cluster, and what one receiving node and Redis spend per delivery and per emit.

use serde_json::{Value, json};

/// `--spread-ports P,Q,..`: at least one port, none 0.
pub fn parse_ports(list: &str) -> Result<Vec<u16>, String> {
    list.split(',')
        .map(|p| {
            p.trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("bad port {p:?} in {list:?}"))
        })
        .collect()
}

/// The ports receivers connect to, round-robin: receiver `i` to `ports[i % ports.len()]`, the
/// measured node (`port`) first.
pub fn receiver_ports(port: u16, spread: &[u16]) -> Vec<u16> {
    std::iter::once(port)
        .chain(spread.iter().copied().filter(|p| *p != port))
        .collect()
}

/// What the measured window cost the receiving node and Redis.
pub struct Costs {
    /// The receiving node's CPU time in the window (µs), when its pid was given.
    pub node_cpu_us: Option<u64>,
    /// Deliveries to that node's own receivers in the window.
    pub node_deliveries: u64,
    /// Redis's CPU time in the window (µs), when its pid was given.
    pub redis_cpu_us: Option<u64>,
    /// Emits sent in the window.
    pub emits: u64,
    /// Nodes the receivers are spread over.
    pub nodes: usize,
}

/// Adds `nodes`, `node_deliveries`, `node_cpu_us_per_delivery`, `redis_cpu_us` and
/// `redis_cpu_us_per_emit` to a result line.
pub fn report(c: &Costs, out: &mut serde_json::Map<String, Value>) {
    let per = |us: Option<u64>, n: u64| -> Value {
        match us {
            Some(us) if n > 0 => json!((us as f64 / n as f64 * 1000.0).round() / 1000.0),
            _ => Value::Null,
        }
    };
    out.insert("nodes".into(), json!(c.nodes));
    out.insert("node_deliveries".into(), json!(c.node_deliveries));
    out.insert(
        "node_cpu_us_per_delivery".into(),
        per(c.node_cpu_us, c.node_deliveries),
    );
    out.insert("redis_cpu_us".into(), json!(c.redis_cpu_us));
    out.insert("redis_cpu_us_per_emit".into(), per(c.redis_cpu_us, c.emits));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_and_put_the_measured_node_first() {
        assert_eq!(parse_ports("24001, 24002"), Ok(vec![24001, 24002]));
        assert!(parse_ports("24001,x").is_err());
        assert!(parse_ports("0").is_err());
        assert_eq!(receiver_ports(5, &[4, 5, 6]), vec![5, 4, 6]);
    }

    #[test]
    fn costs_are_per_delivery_and_per_emit() {
        let mut out = serde_json::Map::new();
        report(
            &Costs {
                node_cpu_us: Some(3000),
                node_deliveries: 1500,
                redis_cpu_us: Some(500),
                emits: 200,
                nodes: 3,
            },
            &mut out,
        );
        assert_eq!(out["node_cpu_us_per_delivery"], json!(2.0));
        assert_eq!(out["redis_cpu_us_per_emit"], json!(2.5));
        let mut none = serde_json::Map::new();
        report(
            &Costs {
                node_cpu_us: None,
                node_deliveries: 0,
                redis_cpu_us: Some(1),
                emits: 0,
                nodes: 2,
            },
            &mut none,
        );
        assert_eq!(none["node_cpu_us_per_delivery"], Value::Null);
        assert_eq!(none["redis_cpu_us_per_emit"], Value::Null);
    }
}
