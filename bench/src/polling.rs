//! The load generator's HTTP long-polling client: Engine.IO v4 / Socket.IO v5 over plain
//! HTTP/1.1 requests on one keep-alive connection (the POST is answered at once, so a client's
//! POSTs and GETs take turns on it). No compression is asked for (`Accept-Encoding` is not
//! sent), so answers are the raw `\x1e`-separated payload.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{ClientError, STEP_TIMEOUT};

/// The largest answer a polling client accepts (headers and body).
const MAX_ANSWER: usize = 4 << 20;

/// One polling client's connection and Engine.IO session.
pub struct Polling {
    tcp: TcpStream,
    port: u16,
    /// `/socket.io/?EIO=4&transport=polling&sid=..`
    path: String,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    start: usize,
}

fn err(msg: impl Into<String>) -> ClientError {
    ClientError(msg.into())
}

impl Polling {
    /// Opens a Socket.IO connection to namespace `/` at 127.0.0.1:`port` on `transport=polling`
    /// only: the open packet (`0{..}`), `40` CONNECT and the server's `40{"sid":..}`, answering
    /// pings met on the way.
    pub async fn connect(port: u16) -> Result<Polling, ClientError> {
        let tcp = tokio::time::timeout(STEP_TIMEOUT, TcpStream::connect(("127.0.0.1", port)))
            .await
            .map_err(|_| err("TCP connect timed out"))??;
        tcp.set_nodelay(true)?;
        let mut p = Polling {
            tcp,
            port,
            path: "/socket.io/?EIO=4&transport=polling".into(),
            buf: Vec::with_capacity(1024),
            start: 0,
        };
        let open = p.request("GET", None).await?;
        let open = std::str::from_utf8(&open).map_err(|_| err("open packet is not UTF-8"))?;
        let sid = open
            .strip_prefix('0')
            .and_then(|json| serde_json::from_str::<serde_json::Value>(json).ok())
            .and_then(|v| v.get("sid")?.as_str().map(str::to_owned))
            .ok_or_else(|| err(format!("expected the open packet, got {open:.80?}")))?;
        p.path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
        p.post("40").await?;
        loop {
            let packets = p.poll().await?;
            for packet in packets {
                if packet.starts_with("40") {
                    return Ok(p);
                } else if packet == "2" {
                    p.post("3").await?;
                } else {
                    return Err(err(format!("expected CONNECT, got {packet:.80?}")));
                }
            }
        }
    }

    /// POSTs one payload (packets joined with `\x1e`); the server must answer `ok`.
    pub async fn post(&mut self, payload: &str) -> Result<(), ClientError> {
        let body = self.request("POST", Some(payload)).await?;
        if body != b"ok" {
            return Err(err(format!(
                "POST answered {:.80?}",
                String::from_utf8_lossy(&body)
            )));
        }
        Ok(())
    }

    /// One long GET: the packets of its answer, in order.
    pub async fn poll(&mut self) -> Result<Vec<String>, ClientError> {
        let body = self.request("GET", None).await?;
        let text = String::from_utf8(body).map_err(|_| err("poll answer is not UTF-8"))?;
        Ok(text.split('\x1e').map(str::to_owned).collect())
    }

    async fn request(&mut self, method: &str, body: Option<&str>) -> Result<Vec<u8>, ClientError> {
        let mut head = format!(
            "{method} {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n",
            self.path, self.port
        );
        if let Some(body) = body {
            head.push_str("Content-Type: text/plain;charset=UTF-8\r\n");
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        head.push_str(body.unwrap_or(""));
        tokio::time::timeout(STEP_TIMEOUT, self.tcp.write_all(head.as_bytes()))
            .await
            .map_err(|_| err("sending a request timed out"))??;
        // A long GET waits for the server as long as it likes: the heartbeat bounds it.
        let limit = STEP_TIMEOUT * 4;
        tokio::time::timeout(limit, self.read_response())
            .await
            .map_err(|_| err("no answer"))?
    }

    /// Reads one response: status 200 and a body framed by `Content-Length` or chunked.
    async fn read_response(&mut self) -> Result<Vec<u8>, ClientError> {
        let head_end = loop {
            if let Some(at) = find(&self.buf[self.start..], b"\r\n\r\n") {
                break self.start + at + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[self.start..head_end])
            .map_err(|_| err("response head is not UTF-8"))?
            .to_owned();
        self.start = head_end;
        let status = head.split(' ').nth(1).unwrap_or("");
        let header = |name: &str| {
            head.split("\r\n").skip(1).find_map(|line| {
                let (k, v) = line.split_once(':')?;
                k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
            })
        };
        let body = if let Some(len) = header("content-length") {
            let len: usize = len.parse().map_err(|_| err("bad Content-Length"))?;
            if len > MAX_ANSWER {
                return Err(err("answer too large"));
            }
            self.take(len).await?
        } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            self.chunked().await?
        } else {
            return Err(err("response without a length"));
        };
        if status != "200" {
            return Err(err(format!(
                "HTTP {status}: {:.80?}",
                String::from_utf8_lossy(&body)
            )));
        }
        Ok(body)
    }

    async fn chunked(&mut self) -> Result<Vec<u8>, ClientError> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(at) = find(&self.buf[self.start..], b"\r\n") {
                    break self.start + at;
                }
                self.fill().await?;
            };
            let size = std::str::from_utf8(&self.buf[self.start..line_end])
                .ok()
                .and_then(|l| usize::from_str_radix(l.split(';').next()?.trim(), 16).ok())
                .ok_or_else(|| err("bad chunk size"))?;
            self.start = line_end + 2;
            if body.len() + size > MAX_ANSWER {
                return Err(err("answer too large"));
            }
            let chunk = self.take(size + 2).await?;
            if size == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }

    /// The next `n` bytes.
    async fn take(&mut self, n: usize) -> Result<Vec<u8>, ClientError> {
        while self.buf.len() - self.start < n {
            self.fill().await?;
        }
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        Ok(out)
    }

    async fn fill(&mut self) -> Result<(), ClientError> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        if self.buf.len() > MAX_ANSWER + 4096 {
            return Err(err("answer too large"));
        }
        let mut chunk = [0u8; 8192];
        let n = self.tcp.read(&mut chunk).await?;
        if n == 0 {
            return Err(err("connection closed"));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
