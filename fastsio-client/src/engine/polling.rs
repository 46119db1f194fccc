//! The long-polling transport: a GET always in flight on one connection, POSTs on another.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use fastsio_protocol::eio::payload::{self, records_v4};
use fastsio_protocol::eio::{Frame, Packet, ProtocolVersion};
use http::{HeaderMap, Method};

use super::http::HttpConn;
use super::{Endpoint, OpenInfo};
use crate::error::EngineError;

/// The most packets in one POST: python-engineio refuses payloads of more than 16.
pub(crate) const MAX_PACKETS_PER_POST: usize = 16;

type Poll = Pin<Box<dyn Future<Output = (HttpConn, Result<Bytes, EngineError>)> + Send>>;

/// A polling session.
pub(crate) struct Polling {
    endpoint: Endpoint,
    headers: HeaderMap,
    target: String,
    max_incoming: usize,
    max_payload: usize,
    get: Option<HttpConn>,
    post: HttpConn,
    in_flight: Option<Poll>,
}

impl Polling {
    /// Opens a session: the handshake GET. Returns the session, the server's handshake and the
    /// packets that came with it.
    pub async fn open(
        endpoint: &Endpoint,
        headers: &HeaderMap,
        max_incoming: usize,
    ) -> Result<(Polling, OpenInfo, Vec<Packet>), EngineError> {
        let mut get = HttpConn::new();
        let body = get
            .request(
                endpoint,
                headers,
                Method::GET,
                &endpoint.target("polling", None),
                Bytes::new(),
                max_incoming,
            )
            .await?;
        let mut records = records_v4(body).map_err(protocol)?;
        let open = records
            .next()
            .ok_or_else(|| EngineError::Protocol("empty handshake".into()))?;
        let info = OpenInfo::parse(&open)?;
        let packets = records
            .map(|r| Packet::decode_text(r, true).map_err(protocol))
            .collect::<Result<_, _>>()?;
        let polling = Polling {
            endpoint: endpoint.clone(),
            headers: headers.clone(),
            target: endpoint.target("polling", Some(&info.sid)),
            max_incoming,
            max_payload: info.max_payload,
            get: Some(get),
            post: HttpConn::new(),
            in_flight: None,
        };
        Ok((polling, info, packets))
    }

    /// The packets of the next GET (cancel-safe: the GET stays in flight).
    pub async fn recv(&mut self) -> Result<Vec<Packet>, EngineError> {
        let poll = match &mut self.in_flight {
            Some(poll) => poll,
            None => {
                let mut conn = self.get.take().unwrap_or_else(HttpConn::new);
                let (endpoint, headers) = (self.endpoint.clone(), self.headers.clone());
                let (target, max) = (self.target.clone(), self.max_incoming);
                self.in_flight.insert(Box::pin(async move {
                    let body = conn
                        .request(&endpoint, &headers, Method::GET, &target, Bytes::new(), max)
                        .await;
                    (conn, body)
                }))
            }
        };
        let (conn, body) = poll.await;
        self.in_flight = None;
        self.get = Some(conn);
        payload::decode(body?, ProtocolVersion::V4, false).map_err(protocol)
    }

    /// Whether a GET is in flight (the upgrade waits for it before switching).
    pub fn polling(&self) -> bool {
        self.in_flight.is_some()
    }

    /// POSTs `frames`, in as many bodies as the server's `maxPayload` (and
    /// [`MAX_PACKETS_PER_POST`]) needs.
    pub async fn send(&mut self, frames: &[Frame]) -> Result<(), EngineError> {
        let mut start = 0;
        while start < frames.len() {
            let mut size = 0;
            let mut end = start;
            while end < frames.len()
                && end - start < MAX_PACKETS_PER_POST
                && (end == start || size + frames[end].encoded_len() <= self.max_payload)
            {
                size += frames[end].encoded_len() + 1;
                end += 1;
            }
            let body = payload::encode(&frames[start..end], ProtocolVersion::V4, true).body;
            self.post
                .request(
                    &self.endpoint,
                    &self.headers,
                    Method::POST,
                    &self.target,
                    body,
                    self.max_incoming,
                )
                .await?;
            start = end;
        }
        Ok(())
    }
}

fn protocol(e: impl std::fmt::Display) -> EngineError {
    EngineError::Protocol(e.to_string())
}
