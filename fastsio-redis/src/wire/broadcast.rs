//! Broadcasts as `@socket.io/redis-adapter` publishes them, `[uid, packet, opts]` in msgpack,
//! read straight from the message's bytes: the sender's uid first (a node hears its own
//! broadcasts, and drops them before reading further), then the packet's data transcoded once
//! to the JSON text clients get, then the options. No tree of values is built.
//!
//! Only that shape is read by [`read_broadcast`]: anything else (a JSON message, keys that are
//! not strings, a packet that is not an event) is left to [`read_broadcast_tree`], which reads
//! every shape [`decode`] does.

use std::borrow::Cow;

use bytes::Bytes;
use fastsio::Room;
use fastsio::adapter::BroadcastOptions;
use fastsio::protocol::msgpack::transcode_value;
use fastsio::protocol::{EncodedPacket, Header, PacketKind, encode_in_place};
use rmp::Marker;
use serde_json::Value as Json;

use super::{RemotePacket, decode, opts_from_json};

/// A broadcast read from its bytes.
pub(crate) enum Broadcast<'a> {
    /// Published by the node reading it.
    Own,
    /// For this node's sockets: the packet's namespace, the packet encoded for them, and the
    /// options.
    Remote(Cow<'a, str>, EncodedPacket, BroadcastOptions),
}

/// Reads `payload` as a broadcast; `uid` is the reading node's. `None`: not in the shape read
/// here (see the module's documentation).
pub(crate) fn read_broadcast<'a>(payload: &'a Bytes, uid: &str) -> Option<Broadcast<'a>> {
    let mut r = Cursor {
        input: payload,
        pos: 0,
    };
    if r.array_len()? != 3 {
        return None;
    }
    if r.key()? == uid.as_bytes() {
        return Some(Broadcast::Own);
    }
    let (nsp, packet) = r.packet()?;
    let opts = r.opts()?;
    (r.pos == payload.len()).then_some(Broadcast::Remote(nsp.into(), packet, opts))
}

/// Reads `payload` as a broadcast of the sharded adapter, `{uid, nsp, type: 3, data: {packet,
/// opts}}` in msgpack, and gives the namespace it names with it; `uid` is the reading node's.
/// `None`: another message (or a broadcast that wants acks), left to the JSON tree.
pub(crate) fn read_sharded_broadcast<'a>(
    payload: &'a Bytes,
    uid: &str,
) -> Option<(&'a str, Broadcast<'a>)> {
    /// `type` of a broadcast (socket.io-adapter's `MessageType.BROADCAST`).
    const BROADCAST: u64 = 3;
    let mut r = Cursor {
        input: payload,
        pos: 0,
    };
    let (mut nsp, mut sender, mut read, mut is_broadcast) = (None, None, None, false);
    for _ in 0..r.map_len()? {
        match r.key()? {
            b"uid" => {
                let from = r.key()?;
                if from == uid.as_bytes() {
                    return Some((nsp.unwrap_or("/"), Broadcast::Own));
                }
                sender = Some(from);
            }
            b"nsp" => nsp = Some(r.str()?),
            b"type" => {
                is_broadcast = r.read(|r| rmp::decode::read_int::<u64, _>(r).ok())? == BROADCAST;
                if !is_broadcast {
                    return None;
                }
            }
            b"data" => {
                let (mut packet, mut opts) = (None, None);
                for _ in 0..r.map_len()? {
                    match r.key()? {
                        b"packet" => packet = Some(r.packet()?),
                        b"opts" => opts = Some(r.opts()?),
                        b"requestId" if r.marker()? == Marker::Null => r.pos += 1,
                        b"requestId" => return None,
                        _ => r.skip()?,
                    }
                }
                read = Some((packet?, opts?));
            }
            _ => r.skip()?,
        }
    }
    let ((packet_nsp, packet), opts) = read?;
    (is_broadcast && sender.is_some() && r.pos == payload.len())
        .then_some((nsp?, Broadcast::Remote(packet_nsp.into(), packet, opts)))
}

/// Reads `payload` as a broadcast of any shape [`decode`] reads (a JSON message, say), through
/// a JSON tree; `uid` is the reading node's. `None`: malformed.
pub(crate) fn read_broadcast_tree(payload: Bytes, uid: &str) -> Option<Broadcast<'static>> {
    let (Json::Array(parts), bins) = decode(payload)? else {
        return None;
    };
    let [sender, packet, opts] = parts.as_slice() else {
        return None;
    };
    if sender.as_str() == Some(uid) {
        return Some(Broadcast::Own);
    }
    let packet = RemotePacket::from_json(packet, bins)?;
    let nsp = Cow::Owned(packet.nsp().to_string());
    Some(Broadcast::Remote(
        nsp,
        packet.encode(None),
        opts_from_json(Some(opts)),
    ))
}

/// Bytes left before a packet's JSON text for its header: room for `42` and a namespace of up
/// to 13 bytes (a longer header is put in front of the text, which then moves).
const HEADER_ROOM: usize = 16;

struct Cursor<'a> {
    input: &'a Bytes,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        let input: &'a [u8] = self.input;
        &input[self.pos..]
    }

    fn marker(&self) -> Option<Marker> {
        self.rest().first().map(|&b| Marker::from_u8(b))
    }

    /// Runs a reader of `rmp` over the rest and moves past what it read.
    fn read<T>(&mut self, read: impl FnOnce(&mut &'a [u8]) -> Option<T>) -> Option<T> {
        let mut rest = self.rest();
        let before = rest.len();
        let value = read(&mut rest)?;
        self.pos += before - rest.len();
        Some(value)
    }

    /// The length in the first byte of a fixed-size marker (`fixarray`, `fixmap`, `fixstr`:
    /// every string, array and map of a usual broadcast), if the next one is of that kind.
    fn fixed(&mut self, kind: u8, len_bits: u8) -> Option<usize> {
        let first = *self.rest().first()?;
        (first & !len_bits == kind).then(|| {
            self.pos += 1;
            usize::from(first & len_bits)
        })
    }

    fn array_len(&mut self) -> Option<usize> {
        self.fixed(0x90, 0x0f).or_else(|| {
            self.read(|r| rmp::decode::read_array_len(r).ok())
                .map(|n| n as usize)
        })
    }

    fn map_len(&mut self) -> Option<usize> {
        self.fixed(0x80, 0x0f).or_else(|| {
            self.read(|r| rmp::decode::read_map_len(r).ok())
                .map(|n| n as usize)
        })
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.key()?).ok()
    }

    /// A string's bytes, not checked to be UTF-8: for keys and uids, only compared.
    fn key(&mut self) -> Option<&'a [u8]> {
        let (start, end) = self.span()?;
        let input: &'a [u8] = self.input;
        Some(&input[start..end])
    }

    /// Where a string's bytes lie.
    fn span(&mut self) -> Option<(usize, usize)> {
        let len = match self.fixed(0xa0, 0x1f) {
            Some(len) => len,
            None => self.read(|r| rmp::decode::read_str_len(r).ok())? as usize,
        };
        let start = self.pos;
        let end = start
            .checked_add(len)
            .filter(|&end| end <= self.input.len())?;
        self.pos = end;
        Some((start, end))
    }

    fn skip(&mut self) -> Option<()> {
        self.read(|r| rmpv::decode::read_value_ref(r).ok().map(drop))
    }

    /// `{type: 2 | 5, data: [event, ...args], nsp}`, other keys skipped: the namespace, and the
    /// packet encoded for clients (the data transcoded once to JSON text, the header put in
    /// front of it in the same buffer).
    fn packet(&mut self) -> Option<(&'a str, EncodedPacket)> {
        let (mut kind, mut data, mut nsp) = (None, None, "/");
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"type" => kind = Some(self.read(|r| rmp::decode::read_int::<u8, _>(r).ok())?),
                b"data"
                    if matches!(
                        self.marker()?,
                        Marker::FixArray(_) | Marker::Array16 | Marker::Array32
                    ) =>
                {
                    // The JSON text of small data is about as long as its msgpack: one
                    // allocation for the usual emit, header included, and no more than 4 KiB
                    // up front. The header is written in the room left before the text.
                    let mut json = Vec::with_capacity(self.rest().len().min(4096) + 32);
                    json.resize(HEADER_ROOM, 0);
                    let mut bins = Vec::new();
                    self.pos =
                        transcode_value(self.input, self.pos, &mut json, &mut bins, usize::MAX)
                            .ok()?;
                    data = Some((json, bins));
                }
                b"nsp" => nsp = self.str()?,
                b"data" => return None,
                _ => self.skip()?,
            }
        }
        let (json, attachments) = data?;
        // `[event, ...args]`: an event's name first.
        (matches!(kind, Some(2 | 5))
            && json
                .get(HEADER_ROOM..)
                .is_some_and(|j| j.starts_with(b"[\"")))
        .then_some(())?;
        let header = Header {
            kind: PacketKind::Event,
            ns: nsp,
            id: None,
        };
        Some((
            nsp,
            encode_in_place(header, json, HEADER_ROOM, attachments)?,
        ))
    }

    /// `{rooms, except, flags: {volatile}}`, other keys skipped; `nil` for none.
    fn opts(&mut self) -> Option<BroadcastOptions> {
        let mut opts = BroadcastOptions {
            local: true,
            ..Default::default()
        };
        if self.marker()? == Marker::Null {
            self.pos += 1;
            return Some(opts);
        }
        for _ in 0..self.map_len()? {
            match self.key()? {
                b"rooms" => opts.rooms = self.rooms()?,
                b"except" => opts.except = self.rooms()?,
                b"flags" if self.marker()? != Marker::Null => {
                    for _ in 0..self.map_len()? {
                        if self.key()? == b"volatile" && self.marker()? == Marker::True {
                            opts.volatile = true;
                        }
                        self.skip()?;
                    }
                }
                _ => self.skip()?,
            }
        }
        Some(opts)
    }

    /// Room names: strings, and numbers as their text (node allows them); other values skipped.
    fn rooms(&mut self) -> Option<Vec<Room>> {
        if self.marker()? == Marker::Null {
            self.pos += 1;
            return Some(Vec::new());
        }
        let len = self.array_len()?;
        let mut rooms = Vec::with_capacity(len.min(self.rest().len()));
        for _ in 0..len {
            match self.marker()? {
                Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                    // A view of the message, not a copy.
                    let (start, end) = self.span()?;
                    rooms.push(Room::try_from(self.input.slice(start..end)).ok()?);
                }
                _ => {
                    let value = self.read(|r| rmpv::decode::read_value_ref(r).ok())?;
                    let name = match value {
                        rmpv::ValueRef::Integer(n) => Some(n.to_string()),
                        rmpv::ValueRef::F32(f) => {
                            serde_json::Number::from_f64(f64::from(f)).map(|n| n.to_string())
                        }
                        rmpv::ValueRef::F64(f) => {
                            serde_json::Number::from_f64(f).map(|n| n.to_string())
                        }
                        _ => None,
                    };
                    rooms.extend(name.map(Room::from));
                }
            }
        }
        Some(rooms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::prefixes_and_corruptions;
    use crate::wire::{encode_mp, map, opts_mp, packet_mp};
    use fastsio::protocol::{EncodedPacket, Header, PacketKind, encode};
    use rmpv::Value as Mp;

    /// What a broadcast reads as: the packet for clients and the options, or `None` for own.
    fn read(payload: &Bytes, fast: bool) -> Option<Option<(EncodedPacket, BroadcastOptions)>> {
        let read = match fast {
            true => read_broadcast(payload, "me")?,
            false => read_broadcast_tree(payload.clone(), "me")?,
        };
        Some(match read {
            Broadcast::Own => None,
            Broadcast::Remote(_, packet, opts) => Some((packet, opts)),
        })
    }

    fn message(uid: &str, packet: Mp, opts: Mp) -> Bytes {
        Bytes::from(encode_mp(&Mp::Array(vec![Mp::from(uid), packet, opts])))
    }

    fn event(data: &str, bins: Vec<Bytes>) -> EncodedPacket {
        let header = Header {
            kind: PacketKind::Event,
            ns: "/chat",
            id: None,
        };
        encode(header, data, bins)
    }

    #[test]
    fn reads_what_the_tree_reads() {
        let bins = vec![Bytes::from_static(b"\x00\xff")];
        let sent = event(
            r#"["file",{"b":{"_placeholder":true,"num":0},"n":1.5}]"#,
            bins,
        );
        let opts = BroadcastOptions {
            rooms: vec!["a".into(), "b".into()],
            except: vec!["c".into()],
            local: false,
            volatile: true,
        };
        let numbered = map(vec![
            (
                "rooms",
                Mp::Array(vec![Mp::from(7), Mp::from("x"), Mp::Nil]),
            ),
            ("except", Mp::Nil),
            ("flags", Mp::Nil),
        ]);
        let packet = || packet_mp("/chat", &sent).unwrap();
        let with_id = map(vec![
            ("type", Mp::from(2)),
            ("nsp", Mp::from("/chat")),
            ("id", Mp::from(3)),
            ("data", Mp::Array(vec![Mp::from("ev"), Mp::from(1)])),
        ]);
        for (packet, opts) in [
            (packet(), opts_mp(&opts, None)),
            (packet(), opts_mp(&BroadcastOptions::default(), None)),
            (packet(), numbered),
            (packet(), Mp::Nil),
            (with_id, map(vec![])),
        ] {
            let payload = message("other", packet, opts);
            let fast = read(&payload, true).expect("read straight from the bytes");
            assert_eq!(Some(fast), read(&payload, false));
        }
        let (got, opts) = read(&message("other", packet(), opts_mp(&opts, None)), true)
            .flatten()
            .unwrap();
        assert_eq!(got, sent);
        assert_eq!(
            (
                opts.rooms.len(),
                opts.except.len(),
                opts.local,
                opts.volatile
            ),
            (2, 1, true, true)
        );
    }

    #[test]
    fn own_broadcasts_are_dropped_before_the_packet_is_read() {
        let payload = message("me", Mp::from("not even a packet"), Mp::Nil);
        assert_eq!(read(&payload, true), Some(None));
    }

    #[test]
    fn other_shapes_are_left_to_the_tree() {
        let not_event = || {
            map(vec![
                ("type", Mp::from(3)),
                ("data", Mp::Array(vec![Mp::from("ev")])),
            ])
        };
        let key_not_string = Mp::Map(vec![(Mp::from(1), Mp::from(2))]);
        assert_eq!(read(&message("other", not_event(), Mp::Nil), true), None);
        assert_eq!(read(&message("other", key_not_string, Mp::Nil), true), None);
        let json = r#"{"uid":"other","type":2,"data":["ev"]}"#;
        assert_eq!(read(&Bytes::from_static(json.as_bytes()), true), None);
        let (got, _) = read(&message("other", not_event(), Mp::Nil), false)
            .flatten()
            .expect("the tree reads it");
        assert_eq!(got.text.as_str(), r#"42["ev"]"#);
    }

    /// A sharded adapter's message read straight from the bytes, and as the tree reads it:
    /// the namespace, the packet for clients and the options (`None` for own).
    #[expect(clippy::type_complexity, reason = "a test's comparison")]
    fn read_sharded(
        payload: &Bytes,
    ) -> (
        Option<(String, Option<(EncodedPacket, BroadcastOptions)>)>,
        Option<(String, EncodedPacket, BroadcastOptions)>,
    ) {
        let fast = read_sharded_broadcast(payload, "me").map(|(nsp, read)| {
            let read = match read {
                Broadcast::Own => None,
                Broadcast::Remote(_, packet, opts) => Some((packet, opts)),
            };
            (nsp.to_string(), read)
        });
        let tree = decode(payload.clone()).and_then(|(message, bins)| {
            let data = message.get("data")?;
            let packet = RemotePacket::from_json(data.get("packet")?, bins)?;
            let nsp = message.get("nsp")?.as_str()?.to_string();
            Some((nsp, packet.encode(None), opts_from_json(data.get("opts"))))
        });
        (fast, tree)
    }

    fn sharded(uid: &str, kind: u64, data: Vec<(&str, Mp)>) -> Bytes {
        let message = map(vec![
            ("uid", Mp::from(uid)),
            ("nsp", Mp::from("/chat")),
            ("type", Mp::from(kind)),
            ("data", map(data)),
        ]);
        Bytes::from(encode_mp(&message))
    }

    #[test]
    fn sharded_broadcasts_read_what_the_tree_reads() {
        let sent = event(r#"["ev",{"a":[1,"b"]}]"#, Vec::new());
        let opts = BroadcastOptions {
            rooms: vec!["r".into()],
            except: vec!["e".into()],
            local: false,
            volatile: true,
        };
        let packet = || packet_mp("/chat", &sent).unwrap();
        for data in [
            vec![("packet", packet()), ("opts", opts_mp(&opts, None))],
            vec![
                ("opts", opts_mp(&opts, None)),
                ("requestId", Mp::Nil),
                ("packet", packet()),
            ],
        ] {
            let (fast, tree) = read_sharded(&sharded("other", 3, data));
            let (nsp, read) = fast.expect("read straight from the bytes");
            let (packet, opts) = read.expect("a remote broadcast");
            assert_eq!(Some((nsp, packet, opts)), tree);
        }
        let own = sharded("me", 3, vec![("packet", packet())]);
        assert!(
            matches!(read_sharded(&own).0, Some((_, None))),
            "own: dropped"
        );
        let with_acks = vec![
            ("packet", packet()),
            ("opts", opts_mp(&opts, None)),
            ("requestId", Mp::from("1")),
        ];
        assert_eq!(read_sharded(&sharded("other", 3, with_acks)).0, None);
        let join = vec![("rooms", Mp::Array(vec![Mp::from("r")]))];
        assert_eq!(read_sharded(&sharded("other", 4, join)).0, None);
    }

    #[test]
    fn corrupted_sharded_broadcasts_never_panic_and_agree_with_the_tree() {
        let sent = event(r#"["ev",{"z":0.1},[1,-2,null]]"#, Vec::new());
        let opts = BroadcastOptions {
            rooms: vec!["r".into()],
            ..Default::default()
        };
        let good = sharded(
            "other",
            3,
            vec![
                ("packet", packet_mp("/chat", &sent).unwrap()),
                ("opts", opts_mp(&opts, None)),
            ],
        );
        let check = |input: Vec<u8>| {
            if let (Some((nsp, Some((packet, opts)))), Some(tree)) = read_sharded(&input.into()) {
                assert_eq!((nsp, packet, opts), tree);
            }
        };
        prefixes_and_corruptions(&good, 23, check);
    }

    /// Every prefix of a real broadcast, and a few thousand corruptions of it (seeded, so a
    /// failure replays): never a panic, and what both read, they read alike (the tree refuses
    /// more: a value it cannot hold as JSON under a key that is skipped here, say).
    #[test]
    fn corrupted_broadcasts_never_panic_and_agree_with_the_tree() {
        let sent = event(
            r#"["ev",{"z":0.1,"s":"\u2028é"},[1,-2,null,true]]"#,
            Vec::new(),
        );
        let opts = BroadcastOptions {
            rooms: vec!["r".into()],
            except: vec!["e".into()],
            ..Default::default()
        };
        let good = message(
            "other",
            packet_mp("/chat", &sent).unwrap(),
            opts_mp(&opts, None),
        );
        let check = |input: Vec<u8>| {
            let input = Bytes::from(input);
            if let (Some(fast), Some(tree)) = (read(&input, true), read(&input, false)) {
                assert_eq!(fast, tree, "{input:?}");
            }
        };
        prefixes_and_corruptions(&good, 19, check);
    }
}
