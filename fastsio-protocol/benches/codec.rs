//! The codecs on the hot path: Engine.IO packets and polling payloads, Socket.IO packets, event
//! arguments, and the encoding of an event or an ack.
//!
//! `cargo bench -p fastsio-protocol --bench codec`

use bytes::Bytes;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fastsio_protocol::eio::{Frame, Packet, ProtocolVersion, Str, payload};
use fastsio_protocol::sio::{EncodedPacket, EventArgs, decode};
use serde::{Deserialize, Serialize};
use std::hint::black_box;

#[derive(Serialize, Deserialize)]
struct Message {
    room: String,
    text: String,
    n: u32,
}

const EVENT: &str =
    r#"21["send_message",{"room":"lobby","text":"hello there, how is it going?","n":42}]"#;

fn engine(c: &mut Criterion) {
    let text = Str::from(format!("4{EVENT}"));
    c.bench_function("engine/decode_message", |b| {
        b.iter(|| Packet::decode_text(black_box(text.clone()), false))
    });
    let frames: Vec<Frame> = (0..10).map(|_| Frame::Text(text.clone())).collect();
    c.bench_function("engine/encode_payload_v4_10", |b| {
        b.iter(|| payload::encode(black_box(&frames), ProtocolVersion::V4, true))
    });
    let body = payload::encode(&frames, ProtocolVersion::V4, true).body;
    c.bench_function("engine/decode_payload_v4_10", |b| {
        b.iter(|| payload::decode(black_box(body.clone()), ProtocolVersion::V4, false))
    });
}

fn socketio(c: &mut Criterion) {
    let text = Str::from(EVENT);
    c.bench_function("sio/decode_event", |b| {
        b.iter(|| decode(black_box(text.clone()), 10))
    });
    let args = Str::from(&EVENT[2..]);
    c.bench_function("sio/parse_args_and_deserialize", |b| {
        b.iter(|| {
            let args = EventArgs::parse(black_box(args.clone())).unwrap();
            args.deserialize::<Message>(1).unwrap()
        })
    });
    let message = Message {
        room: "lobby".into(),
        text: "hello there, how is it going?".into(),
        n: 42,
    };
    c.bench_function("sio/encode_event", |b| {
        b.iter(|| EncodedPacket::event("/", "new_message", None, black_box(&message), Vec::new()))
    });
    c.bench_function("sio/encode_ack", |b| {
        b.iter(|| EncodedPacket::ack("/chat", 7, black_box(&message), Vec::new()))
    });
    let attachment = Bytes::from(vec![7u8; 1024]);
    c.bench_function("sio/encode_binary_event", |b| {
        b.iter_batched(
            || vec![attachment.clone()],
            |attachments| EncodedPacket::event("/", "file", None, black_box(&message), attachments),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, engine, socketio);
criterion_main!(benches);
