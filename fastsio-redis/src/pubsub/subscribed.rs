//! [`Subscribed`]: a connection of its own for classic pub/sub, read by the task that uses it
//! (no driver task, no channel between them). It connects where a redis-rs client's
//! [`ConnectionInfo`] says, authenticates as it says (`AUTH [username] password`), then
//! sends (un)subscriptions and reads the frames that come back.

use std::io;
use std::time::Duration;

use redis::{ConnectionAddr, ConnectionInfo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::frame::{Frames, Push};

/// How much room a read has at least.
const READ_CHUNK: usize = 16 * 1024;

/// A byte stream to Redis: TCP or a Unix socket.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A connection in pub/sub mode.
pub(crate) struct Subscribed {
    stream: Box<dyn Stream>,
    frames: Frames,
    /// A command being written (reused).
    out: Vec<u8>,
}

impl Subscribed {
    /// Connects to the server `info` names and authenticates, each step within `timeout`;
    /// frames longer than `max_frame` bytes will fail the connection.
    pub(crate) async fn open(
        info: &ConnectionInfo,
        timeout: Duration,
        max_frame: usize,
    ) -> io::Result<Subscribed> {
        let stream: Box<dyn Stream> = match info.addr() {
            ConnectionAddr::Tcp(host, port) => {
                let connect = tokio::net::TcpStream::connect((host.as_str(), *port));
                let stream = within(timeout, connect).await?;
                stream.set_nodelay(true)?;
                Box::new(stream)
            }
            #[cfg(unix)]
            ConnectionAddr::Unix(path) => {
                Box::new(within(timeout, tokio::net::UnixStream::connect(path)).await?)
            }
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "pub/sub over TLS is not supported",
                ));
            }
        };
        let mut conn = Subscribed {
            stream,
            frames: Frames::new(max_frame),
            out: Vec::new(),
        };
        let settings = info.redis_settings();
        if let Some(password) = settings.password() {
            let command: &[&[u8]] = match settings.username() {
                Some(user) => &[b"AUTH", user.as_bytes(), password.as_bytes()],
                None => &[b"AUTH", password.as_bytes()],
            };
            conn.send(command).await?;
            match within(timeout, conn.next()).await? {
                Push::Status => {}
                Push::Error(e) => return Err(io::Error::other(format!("AUTH refused: {e}"))),
                _ => return Err(io::Error::other("unexpected reply to AUTH")),
            }
        }
        Ok(conn)
    }

    /// Sends one command (`SUBSCRIBE a b`, say: its name and arguments).
    pub(crate) async fn send(&mut self, command: &[&[u8]]) -> io::Result<()> {
        self.out.clear();
        write_command(&mut self.out, command);
        self.stream.write_all(&self.out).await
    }

    /// The next frame if the last read brought all of it, without reading.
    pub(crate) fn next_read(&mut self) -> io::Result<Option<Push>> {
        self.frames.next().map_err(io::Error::other)
    }

    /// The next frame. Cancel-safe: what was read stays in the buffer for the next call.
    pub(crate) async fn next(&mut self) -> io::Result<Push> {
        loop {
            if let Some(push) = self.frames.next().map_err(io::Error::other)? {
                return Ok(push);
            }
            let space = self.frames.space(READ_CHUNK);
            if self.stream.read_buf(space).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }
}

/// `future`'s outcome, or a timeout error after `timeout`.
async fn within<T>(
    timeout: Duration,
    future: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    tokio::time::timeout(timeout, future)
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
}

/// A command as RESP2 sends it: an array of bulk strings.
fn write_command(out: &mut Vec<u8>, args: &[&[u8]]) {
    let mut number = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(number.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for arg in args {
        out.push(b'$');
        out.extend_from_slice(number.format(arg.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        write_command(&mut out, &[b"SUBSCRIBE", b"a#/#", b""]);
        assert_eq!(out, b"*3\r\n$9\r\nSUBSCRIBE\r\n$4\r\na#/#\r\n$0\r\n\r\n");
    }
}
