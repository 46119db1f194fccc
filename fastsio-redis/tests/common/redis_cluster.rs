//! A Redis Cluster of our own for a test: 3 masters (with one replica each if asked) on free
//! loopback ports in a temporary directory, made with `redis-cli --cluster create`; every
//! process is killed and the directory removed on drop. Slots move with the
//! `CLUSTER SETSLOT`/`MIGRATE` steps `redis-cli --cluster reshard` takes, one slot at a time,
//! so a test moves exactly the slots of the channels it uses.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running Redis Cluster.
pub struct TestRedisCluster {
    dir: PathBuf,
    nodes: Vec<(u16, Option<Child>)>,
}

impl Drop for TestRedisCluster {
    fn drop(&mut self) {
        for (_, child) in &mut self.nodes {
            if let Some(child) = child.as_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A free loopback port whose cluster bus port (+10000) is free too.
fn free_port() -> u16 {
    for _ in 0..200 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair for a cluster node");
}

/// `redis-cli -p port args...`, its output.
pub fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("redis-cli on PATH");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Whether `redis-server` and `redis-cli` can run; says loudly why not.
fn available() -> bool {
    let runs = |bin: &str| {
        Command::new(bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if runs("redis-server") && runs("redis-cli") {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true but redis-server or redis-cli is not on PATH");
    }
    super::skip("redis-server or redis-cli is not on PATH: no Redis Cluster");
    false
}

/// Polls `check` every 100 ms for up to `secs` seconds; panics saying `what` never happened.
pub async fn within(secs: u64, what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..secs * 10 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never happened within {secs} s: {what}");
}

impl TestRedisCluster {
    /// Starts 3 masters, each with a replica if `replicas`; `None` (skipped loudly) without
    /// redis-server.
    pub async fn start(replicas: bool) -> Option<TestRedisCluster> {
        if !available() {
            return None;
        }
        let dir =
            std::env::temp_dir().join(format!("fastsio-cluster-{}", fastsio::engine::Sid::new()));
        std::fs::create_dir_all(&dir).unwrap();
        let count = if replicas { 6 } else { 3 };
        let mut cluster = TestRedisCluster {
            dir,
            nodes: Vec::new(),
        };
        for _ in 0..count {
            let port = free_port();
            let conf = cluster.dir.join(format!("nodes-{port}.conf"));
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--cluster-enabled", "yes", "--cluster-node-timeout", "1500"])
                // A replica takes over however long ago it last heard from its master, and
                // stays with it.
                .args(["--cluster-replica-validity-factor", "0"])
                .args(["--cluster-allow-replica-migration", "no"])
                .args(["--cluster-config-file", conf.to_str().unwrap()])
                .args(["--dir", cluster.dir.to_str().unwrap()])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server starts");
            cluster.nodes.push((port, Some(child)));
        }
        for port in cluster.ports() {
            within(10, "redis-server answers", async || {
                cli(port, &["PING"]) == "PONG"
            })
            .await;
        }
        let mut create = Command::new("redis-cli");
        create.arg("--cluster").arg("create");
        for port in cluster.ports() {
            create.arg(format!("127.0.0.1:{port}"));
        }
        create.args(["--cluster-replicas", if replicas { "1" } else { "0" }]);
        let status = create
            .arg("--cluster-yes")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli --cluster create");
        assert!(status.success(), "redis-cli --cluster create failed");
        cluster.wait_ok().await;
        if replicas {
            within(30, "every master has its replica", async || {
                cluster.masters().len() == 3 && cluster.replica_count() == 3
            })
            .await;
        }
        Some(cluster)
    }

    fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|(p, _)| *p).collect()
    }

    fn live_ports(&self) -> Vec<u16> {
        self.nodes
            .iter()
            .filter(|(_, c)| c.is_some())
            .map(|(p, _)| *p)
            .collect()
    }

    /// The URLs of every node started (the client discovers the rest from any one).
    pub fn urls(&self) -> Vec<String> {
        self.ports()
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect()
    }

    /// Waits until every live node says `cluster_state:ok` and agrees on who owns slots.
    pub async fn wait_ok(&self) {
        let ports = self.live_ports();
        within(60, "cluster_state:ok on every node", async || {
            ports
                .iter()
                .all(|p| cli(*p, &["CLUSTER", "INFO"]).contains("cluster_state:ok"))
        })
        .await;
    }

    /// `CLUSTER NODES` as seen by a live node: (id, port, flags, master id, slots) each.
    fn view(&self) -> Vec<(String, u16, String, String, String)> {
        let port = self.live_ports()[0];
        cli(port, &["CLUSTER", "NODES"])
            .lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                let node_port = f.get(1)?.split([':', '@']).nth(1)?.parse().ok()?;
                let slots = f.get(8..).map(|s| s.join(" ")).unwrap_or_default();
                Some((f[0].into(), node_port, f[2].into(), f[3].into(), slots))
            })
            .collect()
    }

    /// The ports of the live masters.
    pub fn masters(&self) -> Vec<u16> {
        let live = self.live_ports();
        self.view()
            .into_iter()
            .filter(|n| n.2.contains("master") && !n.2.contains("fail") && live.contains(&n.1))
            .map(|n| n.1)
            .collect()
    }

    fn replica_count(&self) -> usize {
        self.view()
            .iter()
            .filter(|n| n.2.contains("slave") && !n.2.contains("fail"))
            .count()
    }

    fn id(&self, port: u16) -> String {
        cli(port, &["CLUSTER", "MYID"])
    }

    /// The slot of `key`.
    pub fn slot(&self, key: &str) -> u16 {
        cli(self.live_ports()[0], &["CLUSTER", "KEYSLOT", key])
            .parse()
            .unwrap()
    }

    /// The port of the master that owns `slot`, as every live master sees it.
    pub fn owner(&self, slot: u16) -> u16 {
        for (_, port, flags, _, slots) in self.view() {
            if !flags.contains("master") {
                continue;
            }
            for range in slots.split_whitespace() {
                let (lo, hi) = match range.split_once('-') {
                    Some((lo, hi)) => (lo.parse::<u16>(), hi.parse::<u16>()),
                    None => (range.parse::<u16>(), range.parse::<u16>()),
                };
                if let (Ok(lo), Ok(hi)) = (lo, hi)
                    && (lo..=hi).contains(&slot)
                {
                    return port;
                }
            }
        }
        panic!("no master owns slot {slot}");
    }

    /// Moves `slot` (and its keys) to the master on port `to`, as `redis-cli --cluster
    /// reshard` does for each slot it moves.
    pub fn move_slot(&self, slot: u16, to: u16) {
        let from = self.owner(slot);
        if from == to {
            return;
        }
        let (from_id, to_id, slot_s) = (self.id(from), self.id(to), slot.to_string());
        cli(to, &["CLUSTER", "SETSLOT", &slot_s, "IMPORTING", &from_id]);
        cli(from, &["CLUSTER", "SETSLOT", &slot_s, "MIGRATING", &to_id]);
        loop {
            let keys = cli(from, &["CLUSTER", "GETKEYSINSLOT", &slot_s, "100"]);
            let keys: Vec<&str> = keys.lines().filter(|k| !k.is_empty()).collect();
            if keys.is_empty() {
                break;
            }
            let to_s = to.to_string();
            let mut args = vec!["MIGRATE", "127.0.0.1", &to_s, "", "0", "5000", "KEYS"];
            args.extend(keys);
            cli(from, &args);
        }
        for port in self.masters() {
            cli(port, &["CLUSTER", "SETSLOT", &slot_s, "NODE", &to_id]);
        }
    }

    /// `CLUSTER FAILOVER` on the replica of the master on port `master`: they swap roles.
    /// Returns the new master's port.
    pub async fn failover(&self, master: u16) -> u16 {
        let master_id = self.id(master);
        let replica = self
            .view()
            .into_iter()
            .find(|n| n.3 == master_id)
            .map(|n| n.1)
            .expect("the master has a replica");
        assert_eq!(cli(replica, &["CLUSTER", "FAILOVER"]), "OK");
        within(30, "the replica took over", async || {
            self.masters().contains(&replica) && !self.masters().contains(&master)
        })
        .await;
        self.wait_ok().await;
        replica
    }

    /// Kills the master on port `master`; returns once its replica took over.
    pub async fn kill(&mut self, master: u16) {
        for (port, child) in &mut self.nodes {
            if *port == master
                && let Some(mut child) = child.take()
            {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        within(60, "a replica took over the killed master", async || {
            self.masters().len() == 3
        })
        .await;
        self.wait_ok().await;
    }
}
