//! [`Channels`]: the Redis channel names, as `@socket.io/redis-adapter` spells them.

/// Channel names for one prefix.
#[derive(Debug, Clone)]
pub(crate) struct Channels {
    prefix: String,
}

/// What a channel carries.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChannelKind<'a> {
    /// Broadcasts of a namespace (`{prefix}#{nsp}#`, or one room: `{prefix}#{nsp}#{room}#`).
    Broadcast,
    /// Requests to every server of this namespace.
    Request(&'a str),
    /// Answers to requests.
    Response,
}

impl Channels {
    pub(crate) fn new(prefix: &str) -> Self {
        Channels {
            prefix: prefix.to_string(),
        }
    }

    /// Broadcasts to a whole namespace: `{prefix}#{nsp}#`.
    pub(crate) fn broadcast(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.prefix)
    }

    /// Broadcasts to one room: `{prefix}#{nsp}#{room}#`.
    pub(crate) fn room(&self, nsp: &str, room: &str) -> String {
        format!("{}#{nsp}#{room}#", self.prefix)
    }

    /// Every broadcast of a namespace, as a pattern: `{prefix}#{nsp}#*`.
    pub(crate) fn broadcast_pattern(&self, nsp: &str) -> String {
        format!("{}#{nsp}#*", self.prefix)
    }

    /// Requests: `{prefix}-request#{nsp}#`.
    pub(crate) fn request(&self, nsp: &str) -> String {
        format!("{}-request#{nsp}#", self.prefix)
    }

    /// Responses: `{prefix}-response#{nsp}#`.
    pub(crate) fn response(&self, nsp: &str) -> String {
        format!("{}-response#{nsp}#", self.prefix)
    }

    /// Responses meant for one server only: `{prefix}-response#{nsp}#{uid}#`.
    pub(crate) fn response_to(&self, nsp: &str, uid: &str) -> String {
        format!("{}-response#{nsp}#{uid}#", self.prefix)
    }

    /// What `channel` carries, if it is one of ours. Read as bytes: only a request's
    /// namespace needs to be UTF-8, and a broadcast's channel is not checked.
    pub(crate) fn kind<'a>(&self, channel: &'a [u8]) -> Option<ChannelKind<'a>> {
        let rest = channel.strip_prefix(self.prefix.as_bytes())?;
        if let Some(nsp) = rest.strip_prefix(b"-request#") {
            let nsp = std::str::from_utf8(nsp.strip_suffix(b"#")?).ok()?;
            return Some(ChannelKind::Request(nsp));
        }
        if rest.starts_with(b"-response#") {
            return Some(ChannelKind::Response);
        }
        rest.starts_with(b"#").then_some(ChannelKind::Broadcast)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_named_and_recognised_as_node_does() {
        let c = Channels::new("socket.io");
        assert_eq!(c.broadcast("/"), "socket.io#/#");
        assert_eq!(c.room("/chat", "r"), "socket.io#/chat#r#");
        assert_eq!(c.request("/"), "socket.io-request#/#");
        assert_eq!(c.response_to("/", "abc"), "socket.io-response#/#abc#");
        assert_eq!(c.kind(b"socket.io#/#r#"), Some(ChannelKind::Broadcast));
        assert_eq!(
            c.kind(b"socket.io-request#/chat#"),
            Some(ChannelKind::Request("/chat"))
        );
        assert_eq!(
            c.kind(b"socket.io-response#/#"),
            Some(ChannelKind::Response)
        );
        assert_eq!(c.kind(b"other#/#"), None);
    }
}
