//! Recovering a session: take it (`GETDEL`), check that its offset is still in the stream,
//! then read the entries after it (`XRANGE`, a bounded number of bounded batches) and keep
//! the broadcasts the session would have received.

use std::sync::Arc;

use fastsio::adapter::{AdapterError, BroadcastOptions, RestoredSession, SessionState};
use fastsio::engine::Sid;
use redis::Value;

use super::Shared;
use super::entry::{is_offset, next_offset, range_reply};
use super::session;
use crate::connection::Routed;

/// Session `pid` of namespace `nsp`, with what it missed after `offset`; `None` when it is
/// unknown or expired, its offset left the stream, or its missed entries are more than
/// [`StreamsConfig::max_restore_reads`](super::StreamsConfig::max_restore_reads) reads.
pub(crate) async fn restore(
    shared: Arc<Shared>,
    nsp: String,
    pid: Sid,
    offset: String,
) -> Result<Option<RestoredSession>, AdapterError> {
    if !is_offset(&offset) {
        return Ok(None);
    }
    let stream = &shared.config.stream_name;
    let key = format!("{}{}", shared.config.session_key_prefix, pid.as_str());
    let mut take = redis::cmd("GETDEL");
    take.arg(&key);
    let mut find = redis::cmd("XRANGE");
    find.arg(stream).arg(&offset).arg(&offset);
    let cmds = [
        Routed::new(key.as_bytes(), take),
        Routed::new(stream.as_bytes(), find),
    ];
    let mut replies = shared.commands.batch(&cmds).await?.into_iter();
    let (state, at) = (replies.next(), replies.next().unwrap_or(Value::Nil));
    let state = match state {
        Some(Value::BulkString(state)) => Some(state),
        _ => None,
    };
    let Some(state) = state.as_deref().and_then(session::decode) else {
        return Ok(None);
    };
    if range_reply(&at).is_empty() {
        return Ok(None);
    }
    let count = shared.config.read_count.max(1);
    let mut missed = Vec::new();
    let mut from = offset;
    for _ in 0..shared.config.max_restore_reads {
        let Some(start) = next_offset(&from) else {
            return Ok(None);
        };
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(stream).arg(start).arg("+").arg("COUNT").arg(count);
        let reply: Value = shared.commands.query(&cmd).await?;
        let read = match &reply {
            Value::Array(entries) => entries.len(),
            _ => 0,
        };
        for entry in range_reply(&reply) {
            if entry.nsp.as_deref() == Some(nsp.as_str())
                && let Some((packet, opts)) = entry.broadcast()
                && !opts.volatile
                && includes(&state, &opts)
            {
                missed.push(packet);
            }
            from = entry.id;
        }
        if read < count {
            return Ok(Some(RestoredSession { state, missed }));
        }
    }
    Ok(None)
}

/// Whether a broadcast with these options was for the session's socket.
fn includes(session: &SessionState, opts: &BroadcastOptions) -> bool {
    let member = |rooms: &[fastsio::Room]| rooms.iter().any(|r| session.rooms.contains(r));
    (opts.rooms.is_empty() || member(&opts.rooms)) && !member(&opts.except)
}
