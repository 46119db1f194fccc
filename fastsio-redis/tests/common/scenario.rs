//! Scenario steps a cluster of fastsio nodes (named `a`, `b`, …) and one node socket.io
//! server goes through, whatever the adapter: each step checks one cluster operation across
//! every server, both ways where node can do it too.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use fastsio_redis::{RedisCluster, ShardedRedisCluster};
use fastsio_tests::server::eventually;
use serde_json::{Value, json};

use super::node::{Clients, NodeServer};
use super::{Node, socket};

/// The names of the fastsio nodes, in order.
pub const NAMES: [&str; 3] = ["a", "b", "c"];

/// A cluster handle that answers server-side emits and sends them with acks.
pub trait ServerSide {
    /// Answers every server-side emit that wants an ack with `{"from": name, "got": args}`.
    fn answer_as(&self, name: &'static str);
    /// `serverSideEmitWithAck` on namespace `/`.
    fn emit_with_ack(&self, event: &str, args: Vec<Value>) -> impl Future<Output = Vec<Value>>;
}

impl ServerSide for RedisCluster {
    fn answer_as(&self, name: &'static str) {
        self.on_server_side_emit(move |ev| ev.wants_ack.then(|| answer(name, ev.args)));
    }

    async fn emit_with_ack(&self, event: &str, args: Vec<Value>) -> Vec<Value> {
        let answers = self.server_side_emit_with_ack("/", event, args).await;
        answers.unwrap()
    }
}

impl ServerSide for ShardedRedisCluster {
    fn answer_as(&self, name: &'static str) {
        self.on_server_side_emit(move |ev| ev.wants_ack.then(|| answer(name, ev.args)));
    }

    async fn emit_with_ack(&self, event: &str, args: Vec<Value>) -> Vec<Value> {
        let answers = self.server_side_emit_with_ack("/", event, args).await;
        answers.unwrap()
    }
}

fn answer(name: &str, args: Vec<Value>) -> Value {
    json!({"from": name, "got": args})
}

pub fn ids(sockets: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    sockets.into_iter().collect()
}

/// Polls node server `n` (bounded) until `fetchSockets` in `room` lists exactly `expected`.
pub async fn node_fetches(n: &mut NodeServer, room: &str, expected: &BTreeSet<String>) {
    let mut seen = BTreeSet::new();
    for _ in 0..100 {
        let fetched = n.run(json!({"cmd": "fetch", "rooms": [room]})).await;
        seen = fetched["sockets"]
            .as_array()
            .unwrap_or_else(|| panic!("{fetched}"))
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        if &seen == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("node fetched {seen:?} in {room}, expected {expected:?}");
}

/// socket.io-client sockets on every server: one member of room `r` (`a1`, `b1`, …, `n1`)
/// and one non-member (`a2`, …, `n2`) each, the node server's last.
pub struct Scenario {
    pub clients: Clients,
    /// `(name, id)` of the members of `r`.
    pub members: Vec<(String, String)>,
    /// `(name, id)` of the others.
    pub others: Vec<(String, String)>,
}

impl Scenario {
    /// Connects the sockets.
    pub async fn connect<C>(nodes: &[Node<C>], n: &NodeServer) -> Scenario {
        let mut clients = Clients::start();
        let mut members = Vec::new();
        let mut others = Vec::new();
        for (node, name) in nodes.iter().zip(NAMES) {
            let url = format!("http://{}", node.server.addr);
            let member = clients.connect(&format!("{name}1"), &url, json!({})).await;
            socket(&node.io, &member).await.join("r");
            members.push((format!("{name}1"), member));
            let other = clients.connect(&format!("{name}2"), &url, json!({})).await;
            others.push((format!("{name}2"), other));
        }
        let n1 = clients.connect("n1", &n.url(), json!({"room": "r"})).await;
        members.push(("n1".into(), n1));
        let n2 = clients.connect("n2", &n.url(), json!({})).await;
        others.push(("n2".into(), n2));
        for name in ["n1", "n2"] {
            let hello = clients.wait(name, 1).await;
            assert_eq!(hello[0][0], "hello", "{name}: {hello:?}");
        }
        Scenario {
            clients,
            members,
            others,
        }
    }

    /// Every member receives `count` events, whatever they are.
    async fn members_receive(&mut self, count: usize) {
        for (name, _) in &self.members {
            self.clients.wait(name, count).await;
        }
    }

    /// A room broadcast from any server reaches every member on every server exactly once,
    /// and nobody else: each sender follows it with a marker to everyone (one sender's
    /// messages keep their order), so a duplicate would show before the marker.
    pub async fn room_broadcasts_reach_each_member_once<C>(
        &mut self,
        nodes: &[Node<C>],
        n: &mut NodeServer,
    ) {
        for (i, sender) in NAMES[..nodes.len()].iter().chain(&["n"]).enumerate() {
            let event = format!("to r from {sender}");
            let marker = format!("marker from {sender}");
            match nodes.get(i) {
                None => {
                    n.run(json!({"cmd": "emit", "rooms": ["r"], "event": event, "args": [1]}))
                        .await;
                    n.run(json!({"cmd": "emit", "event": marker, "args": []}))
                        .await;
                }
                Some(node) => {
                    node.io.to("r").emit_raw(&event, &1).unwrap();
                    node.io.emit_raw(&marker, &()).unwrap();
                }
            }
            for (name, _) in &self.members {
                let got = self.clients.wait(name, 2).await;
                assert_eq!(got, vec![json!([event, 1]), json!([marker])], "{name}");
            }
            for (name, _) in &self.others {
                let got = self.clients.wait(name, 1).await;
                assert_eq!(got, vec![json!([marker])], "{name}");
            }
        }
    }

    /// Except, from fastsio node `from` and from the node server, each followed by a marker
    /// to everyone.
    pub async fn except_reaches_the_others(&mut self, from: &Node<impl Sized>, n: &mut NodeServer) {
        from.io
            .except("r")
            .emit_raw("not r", &"from fastsio")
            .unwrap();
        from.io.emit_raw("marker", &()).unwrap();
        n.run(json!({"cmd": "emit", "except": ["r"], "event": "not r", "args": ["from n"]}))
            .await;
        n.run(json!({"cmd": "emit", "event": "marker", "args": []}))
            .await;
        for (name, _) in &self.others {
            let mut got = self.clients.wait(name, 4).await;
            got.sort_by_key(|v| v.to_string());
            let expected = [
                json!(["marker"]),
                json!(["marker"]),
                json!(["not r", "from fastsio"]),
                json!(["not r", "from n"]),
            ];
            assert_eq!(got, expected, "{name}");
        }
        for (name, _) in &self.members {
            let got = self.clients.wait(name, 2).await;
            assert_eq!(got, vec![json!(["marker"]), json!(["marker"])], "{name}");
        }
    }

    /// Binary from fastsio node `from` reaches socket.io-client on every server as binary.
    pub async fn binary_reaches_every_member(&mut self, from: &Node<impl Sized>) {
        let file = json!({"name": "f", "bytes": {"_placeholder": true, "num": 0}});
        from.io
            .to("r")
            .emit_binary("file", &file, vec![Bytes::from_static(&[1, 2, 255])])
            .unwrap();
        for (name, _) in &self.members {
            assert_eq!(
                self.clients.wait(name, 1).await,
                vec![json!(["file", {"name": "f", "bytes": {"bin": [1, 2, 255]}}])],
                "{name}"
            );
        }
    }

    /// Broadcast acks, counted across every server, from fastsio node `from` and from the
    /// node server: every member answers with its name.
    pub async fn broadcast_acks_both_ways(&mut self, from: &Node<impl Sized>, n: &mut NodeServer) {
        let names = ids(self.members.iter().map(|(name, _)| name.clone()));
        let acks = from
            .io
            .to("r")
            .timeout(Duration::from_secs(3))
            .emit_raw_with_ack::<_, String>("question", &())
            .await
            .unwrap();
        let answers: BTreeSet<String> = acks.into_values().map(Result::unwrap).collect();
        assert_eq!(answers, names);
        self.members_receive(1).await;
        let answer = n
            .run(json!({"cmd": "ack", "rooms": ["r"], "event": "q", "args": [], "timeout": 3000}))
            .await;
        let answers: BTreeSet<String> = answer["acks"]
            .as_array()
            .unwrap_or_else(|| panic!("{answer}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(answers, names);
        self.members_receive(1).await;
    }

    /// fetchSockets: the first fastsio node sees the other servers' sockets (the node
    /// server's with their data), and the node server sees every server's.
    pub async fn fetch_sockets_both_ways<C>(&self, nodes: &[Node<C>], n: &mut NodeServer) {
        let member_ids = ids(self.members.iter().map(|(_, id)| id.clone()));
        let fetched = nodes[0]
            .io
            .of("/")
            .unwrap()
            .to("r")
            .fetch_remote_sockets()
            .await
            .unwrap();
        let mut expected = member_ids.clone();
        expected.remove(&self.members[0].1);
        assert_eq!(ids(fetched.iter().map(|s| s.id.clone())), expected);
        let (_, n1) = self.members.last().unwrap();
        let from_node = fetched.iter().find(|s| &s.id == n1).unwrap();
        assert_eq!(from_node.data, json!({"node": "node"}));
        node_fetches(n, "r", &member_ids).await;
    }

    /// socketsJoin from fastsio node `joins` and socketsLeave from `leaves` reach every
    /// server; then a join from the node server reaches every fastsio node.
    pub async fn join_and_leave_both_ways<C>(
        &self,
        nodes: &[Node<C>],
        (joins, leaves): (usize, usize),
        n: &mut NodeServer,
    ) {
        let member_ids = ids(self.members.iter().map(|(_, id)| id.clone()));
        nodes[joins].io.to("r").join("j");
        node_fetches(n, "j", &member_ids).await;
        nodes[leaves].io.to("j").leave("j");
        node_fetches(n, "j", &BTreeSet::new()).await;
        n.run(json!({"cmd": "join", "rooms": ["r"], "room": "from node"}))
            .await;
        for node in nodes {
            eventually("a member joined from node", || {
                node.io
                    .to("r")
                    .sockets()
                    .iter()
                    .all(|s| s.rooms().iter().any(|r| &**r == "from node"))
            })
            .await;
        }
    }

    /// serverSideEmit with acks from the first fastsio node (every other server answers)
    /// and from the node server (every fastsio node answers); each fastsio node answers as
    /// its name (see [`ServerSide::answer_as`]).
    pub async fn server_side_emits_both_ways<C: ServerSide>(nodes: &[Node<C>], n: &mut NodeServer) {
        let names = &NAMES[..nodes.len()];
        let mut answers = nodes[0]
            .cluster
            .emit_with_ack("from rust", vec![json!(7)])
            .await;
        answers.sort_by_key(|v| v.to_string());
        let others = names[1..].iter().chain(&["node"]);
        let expected: Vec<Value> = others.map(|name| answer(name, vec![json!(7)])).collect();
        assert_eq!(answers, expected);
        let reply = n
            .run(json!({"cmd": "sseack", "event": "from node", "args": ["x"]}))
            .await;
        let mut answers = reply["answers"]
            .as_array()
            .unwrap_or_else(|| panic!("{reply}"))
            .clone();
        answers.sort_by_key(|v| v.to_string());
        let expected: Vec<Value> = names
            .iter()
            .map(|name| answer(name, vec![json!("x")]))
            .collect();
        assert_eq!(answers, expected);
    }

    /// disconnectSockets across servers: the others from the first fastsio node, then the
    /// members from the node server; every fastsio node ends up without sockets.
    pub async fn disconnect_both_ways<C>(&mut self, nodes: &[Node<C>], n: &mut NodeServer) {
        nodes[0].io.except("r").disconnect();
        for (name, _) in &self.others {
            assert!(self.clients.disconnected(name).await, "{name} disconnected");
        }
        n.run(json!({"cmd": "disconnect", "rooms": ["r"]})).await;
        for (name, _) in &self.members {
            assert!(self.clients.disconnected(name).await, "{name} disconnected");
        }
        for node in nodes {
            eventually("every socket gone", || node.io.sockets().is_empty()).await;
        }
    }
}
