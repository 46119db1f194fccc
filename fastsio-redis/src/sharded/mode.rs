//! [`SubscriptionMode`]: which broadcasts get a channel of their own (node's
//! `subscriptionMode`).

/// Which channels a [`ShardedRedisCluster`](super::ShardedRedisCluster) uses, as node's
/// `subscriptionMode` option; every server of a cluster must use the same one.
///
/// ```
/// use fastsio_redis::SubscriptionMode;
/// assert_eq!(SubscriptionMode::default(), SubscriptionMode::Static);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubscriptionMode {
    /// Two channels per namespace: every server gets every broadcast (node's `"static"`).
    #[default]
    Static,
    /// Also one channel per room, for broadcasts to that room alone, subscribed by the
    /// servers where the room has members (node's `"dynamic"`, its default). Node leaves
    /// rooms named like its 20-character socket ids on the namespace channel; fastsio's
    /// socket ids are longer, so each fastsio socket's own room gets a channel too.
    Dynamic,
    /// One channel per room, socket ids included (node's `"dynamic-private"`).
    DynamicPrivate,
}

/// The length of node's socket ids: node's `"dynamic"` mode keeps rooms of this length on
/// the namespace channel.
const NODE_SOCKET_ID_LEN: usize = 20;

impl SubscriptionMode {
    /// Whether broadcasts to `room` alone go on a channel of their own.
    pub(crate) fn has_room_channel(self, room: &str) -> bool {
        match self {
            SubscriptionMode::Static => false,
            SubscriptionMode::Dynamic => room.len() != NODE_SOCKET_ID_LEN,
            SubscriptionMode::DynamicPrivate => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_get_channels_as_node_gives_them() {
        let node_sid = "abcdefghijklmnopqrst";
        assert!(!SubscriptionMode::Static.has_room_channel("r"));
        assert!(SubscriptionMode::Dynamic.has_room_channel("r"));
        assert!(!SubscriptionMode::Dynamic.has_room_channel(node_sid));
        assert!(SubscriptionMode::DynamicPrivate.has_room_channel(node_sid));
    }
}
