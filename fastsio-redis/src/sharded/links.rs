//! [`Links`]: the sharded subscriber's connections, each of its own and read by the
//! subscriber task itself (RESP2, [`crate::pubsub`]): one to a single server, or, on a Redis
//! Cluster, one to the node it started from and one to each node a `MOVED` reply sent a
//! channel to. Each keeps the (un)subscriptions it was asked and has not answered yet, in
//! order, since a redirection (an error reply) does not name its channel.

use std::collections::{HashMap, VecDeque};
use std::future::{Future, poll_fn};
use std::io;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use redis::{ConnectionAddr, ConnectionInfo};
use tokio::time::Instant;

use crate::pubsub::{Push, Subscribed};

/// Redirections one (un)subscription may follow before the connections are made again.
const MAX_HOPS: u8 = 5;

/// An (un)subscription sent and not answered yet.
pub(super) struct Asked {
    pub(super) channel: String,
    /// Subscribe (true) or unsubscribe.
    pub(super) on: bool,
    /// Redirections followed so far.
    hops: u8,
    at: Instant,
}

/// One connection and what it was asked.
struct Link {
    addr: ConnectionAddr,
    conn: Subscribed,
    asked: VecDeque<Asked>,
}

/// The subscriber's connections.
pub(super) struct Links {
    /// The first node's connection settings (authentication): those of every node.
    origin: ConnectionInfo,
    timeout: Duration,
    max_frame: usize,
    links: Vec<Link>,
    /// The connection each confirmed channel is subscribed on.
    subscribed: HashMap<String, usize>,
    /// The connection read first next time (each in turn).
    first: usize,
}

/// What an answer to an (un)subscription asks for.
pub(super) enum Answer {
    /// Confirmed as asked.
    Confirmed,
    /// The server unsubscribed a channel by itself: its slot moved, or its master stepped
    /// down.
    Dropped,
    /// Sent elsewhere: ask again on the connection to this address.
    Moved(Asked, ConnectionAddr),
}

impl Links {
    /// Connects to the node `origin` names (within `timeout`); messages longer than
    /// `max_frame` bytes will fail the connection.
    pub(super) async fn open(
        origin: &ConnectionInfo,
        timeout: Duration,
        max_frame: usize,
    ) -> io::Result<Links> {
        let conn = Subscribed::open(origin, timeout, max_frame).await?;
        Ok(Links {
            links: vec![Link {
                addr: origin.addr().clone(),
                conn,
                asked: VecDeque::new(),
            }],
            origin: origin.clone(),
            timeout,
            max_frame,
            subscribed: HashMap::new(),
            first: 0,
        })
    }

    /// Subscribes to `channel` (`on`) or unsubscribes from it, where it is subscribed (a new
    /// subscription: on the first connection, which redirects it if need be).
    pub(super) async fn ask(&mut self, channel: String, on: bool) -> io::Result<()> {
        let link = self.subscribed.get(&channel).copied().unwrap_or(0);
        let asked = Asked {
            channel,
            on,
            hops: 0,
            at: Instant::now(),
        };
        self.send(link, asked).await
    }

    /// Asks again where a redirection says.
    pub(super) async fn follow(&mut self, mut asked: Asked, to: ConnectionAddr) -> io::Result<()> {
        asked.hops += 1;
        if asked.hops > MAX_HOPS {
            return Err(io::Error::other(format!(
                "{}: redirected more than {MAX_HOPS} times",
                asked.channel
            )));
        }
        asked.at = Instant::now();
        tracing::debug!(channel = asked.channel, to = ?to, "sharded redis adapter: redirected");
        let known = self.links.iter().position(|l| l.addr == to);
        let link = match known {
            Some(link) => link,
            None => {
                let info = self.origin.clone().set_addr(to.clone());
                let conn = Subscribed::open(&info, self.timeout, self.max_frame).await?;
                self.links.push(Link {
                    addr: to,
                    conn,
                    asked: VecDeque::new(),
                });
                self.links.len() - 1
            }
        };
        self.send(link, asked).await
    }

    async fn send(&mut self, link: usize, asked: Asked) -> io::Result<()> {
        let command: &[u8] = if asked.on {
            b"SSUBSCRIBE"
        } else {
            b"SUNSUBSCRIBE"
        };
        let l = &mut self.links[link];
        l.conn.send(&[command, asked.channel.as_bytes()]).await?;
        l.asked.push_back(asked);
        Ok(())
    }

    /// Whether an (un)subscription of `channel` awaits its answer.
    pub(super) fn in_flight(&self, channel: &str) -> bool {
        let mut asked = self.links.iter().flat_map(|l| &l.asked);
        asked.any(|a| a.channel == channel)
    }

    /// When the oldest unanswered (un)subscription times out.
    pub(super) fn deadline(&self) -> Option<Instant> {
        let oldest = self.links.iter().filter_map(|l| l.asked.front());
        oldest.map(|a| a.at + self.timeout).min()
    }

    /// The next frame of any connection (each read first in turn), and which one.
    /// Cancel-safe, as [`Subscribed::next`].
    pub(super) async fn next(&mut self) -> io::Result<(usize, Push)> {
        poll_fn(|cx| {
            let count = self.links.len();
            for k in 0..count {
                let link = (self.first + k) % count;
                if let Poll::Ready(read) = pin!(self.links[link].conn.next()).poll(cx) {
                    self.first = (link + 1) % count;
                    return Poll::Ready(read.map(|push| (link, push)));
                }
            }
            Poll::Pending
        })
        .await
    }

    /// The next frame of connection `link` if its last read brought all of it.
    pub(super) fn next_read(&mut self, link: usize) -> io::Result<Option<Push>> {
        self.links[link].conn.next_read()
    }

    /// Connection `link` said that `channel` is subscribed (`on`) or unsubscribed.
    pub(super) fn answered(&mut self, link: usize, channel: &str, on: bool) -> Answer {
        let l = &mut self.links[link];
        let asked = l
            .asked
            .front()
            .is_some_and(|a| a.channel == channel && a.on == on);
        if asked {
            l.asked.pop_front();
        }
        match on {
            true => {
                self.subscribed.insert(channel.to_string(), link);
            }
            false => {
                self.subscribed.remove(channel);
            }
        }
        match asked || on {
            true => Answer::Confirmed,
            false => Answer::Dropped,
        }
    }

    /// Connection `link` refused its oldest (un)subscription with `error`: a redirection to
    /// follow, or an error.
    pub(super) fn refused(&mut self, link: usize, error: &str) -> io::Result<Answer> {
        let refused = || io::Error::other(format!("Redis refused: {error}"));
        let to = moved_to(error).ok_or_else(refused)?;
        let asked = self.links[link].asked.pop_front().ok_or_else(refused)?;
        Ok(Answer::Moved(asked, to))
    }
}

/// The address of a `MOVED <slot> <host>:<port>` redirection.
fn moved_to(error: &str) -> Option<ConnectionAddr> {
    let mut words = error.split(' ');
    if words.next() != Some("MOVED") {
        return None;
    }
    let (host, port) = words.nth(1)?.rsplit_once(':')?;
    Some(ConnectionAddr::Tcp(host.to_string(), port.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirections_name_their_node() {
        assert_eq!(
            moved_to("MOVED 3999 127.0.0.1:6381"),
            Some(ConnectionAddr::Tcp("127.0.0.1".into(), 6381))
        );
        assert_eq!(
            moved_to("MOVED 1 ::1:7000"),
            Some(ConnectionAddr::Tcp("::1".into(), 7000))
        );
        for other in [
            "ASK 1 127.0.0.1:1",
            "MOVED 1",
            "MOVED 1 host",
            "MOVED 1 h:x",
            "ERR x",
        ] {
            assert_eq!(moved_to(other), None, "{other}");
        }
    }
}
