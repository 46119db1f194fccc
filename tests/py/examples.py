"""The runnable examples driven by python-socketio's AsyncClient, the client of the seed's own
ecosystem (tests/tests/examples.rs starts each example's server).

Usage: python examples.py <scenario> <url>
  scenario: simple | typed-di | chat
  url:      the server's base URL, e.g. http://127.0.0.1:3000 (Socket.IO path /socket.io/)

Success: one JSON line {"ok": true, "scenario": ..., "details": {...}} on stdout, exit 0.
Failure: the reason on stderr, exit 1. The whole run is bounded by GLOBAL_TIMEOUT seconds.
"""

import asyncio
import json
import sys

import socketio

GLOBAL_TIMEOUT = 15
STEP_TIMEOUT = 5


class Fail(Exception):
    """A scenario expectation that did not hold."""


def check(cond, what):
    if not cond:
        raise Fail(what)


def client():
    return socketio.AsyncClient(reconnection=False, handle_sigint=False)


class Inbox:
    """Every event a client receives, in order, and a way to wait for the next one."""

    def __init__(self, sio, namespace=None):
        self.events = []
        self.queue = asyncio.Queue()
        sio.on("*", self._on_event, namespace=namespace)

    async def _on_event(self, event, *args):
        self.events.append([event, *args])
        await self.queue.put([event, *args])

    async def next(self, event):
        while True:
            try:
                got = await asyncio.wait_for(self.queue.get(), STEP_TIMEOUT)
            except asyncio.TimeoutError:
                raise Fail(f"no '{event}' event within {STEP_TIMEOUT} s (got {self.events})")
            if got[0] == event:
                return got[1:]


async def call(sio, event, data=None, namespace=None):
    return await sio.call(event, data, namespace=namespace, timeout=STEP_TIMEOUT)


# simple: "message" -> "response" "Received: <data>", to the sender only.


async def simple(url):
    a, b = client(), client()
    inbox_a, inbox_b = Inbox(a), Inbox(b)
    await a.connect(url, wait_timeout=STEP_TIMEOUT)
    await b.connect(url, transports=["websocket"], wait_timeout=STEP_TIMEOUT)
    await a.emit("message", "hello from python")
    first = await inbox_a.next("response")
    await a.emit("message", [1, 2])
    second = await inbox_a.next("response")
    # b's message is handled after a's: a response leaked to b would come first.
    await b.emit("message", "b")
    third = await inbox_b.next("response")
    check(inbox_b.events == [["response", "Received: b"]], f"b's inbox: {inbox_b.events}")
    await a.disconnect()
    await b.disconnect()
    return {"responses": [first[0], second[0], third[0]], "a_events": inbox_a.events}


# typed-di: typed auth, validated payloads, typed acks, rooms.


async def typed_di(url):
    sio = client()
    inbox = Inbox(sio)
    await sio.connect(url, auth={"user": "py"}, wait_timeout=STEP_TIMEOUT)
    welcome = await inbox.next("welcome")
    check(welcome[0]["sid"] == sio.get_sid(), f"welcome sid {welcome} vs {sio.get_sid()}")
    join = await call(sio, "join_room", {"room": "snakes"})
    joined = await inbox.next("joined")
    send = await call(sio, "send_message", {"text": "hiss", "room": "snakes"})
    new_message = await inbox.next("new_message")
    invalid = await call(sio, "send_message", {"text": "", "room": "snakes"})
    await sio.disconnect()

    refused = client()
    try:
        await refused.connect(url, wait_timeout=STEP_TIMEOUT)
        raise Fail("a connection without auth was accepted")
    except socketio.exceptions.ConnectionError as e:
        refusal = str(e)
    return {
        "welcome": welcome[0],
        "join": join,
        "joined": joined[0],
        "send": send,
        "new_message": new_message[0],
        "invalid": invalid,
        "refusal": refusal,
    }


# chat: one member of the chat demo's lobby (examples/chat), polling then upgrade.


async def chat(url):
    sio = client()
    inbox = Inbox(sio, "/chat")
    await sio.connect(url, namespaces=["/chat"], auth={"name": "py"}, wait_timeout=STEP_TIMEOUT)
    welcome = await inbox.next("welcome")
    join = await call(sio, "join_room", {"room": "lobby"}, "/chat")
    send = await call(sio, "send_message", {"room": "lobby", "text": "hi from py"}, "/chat")
    new_message = await inbox.next("new_message")
    transport = sio.transport()
    await sio.disconnect()
    return {
        "welcome": welcome[0],
        "join": join,
        "send": send,
        "new_message": new_message[0],
        "transport": transport,
    }


SCENARIOS = {"simple": simple, "typed-di": typed_di, "chat": chat}


async def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        raise Fail(f"usage: examples.py <{'|'.join(SCENARIOS)}> <url>")
    scenario, url = sys.argv[1], sys.argv[2]
    details = await asyncio.wait_for(SCENARIOS[scenario](url), GLOBAL_TIMEOUT)
    print(json.dumps({"ok": True, "scenario": scenario, "details": details}))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # noqa: BLE001 - any failure is reported the same way
        print(f"examples.py {' '.join(sys.argv[1:2])}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
