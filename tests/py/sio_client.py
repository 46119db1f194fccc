"""python-socketio AsyncClient scenarios for the fastsio interop tests (tests/tests/sio_python.rs).

Usage: python sio_client.py <scenario> <url>
  scenario: auth-ok | auth-refused | events | acks | rooms | namespace | websocket | polling
            | upgrade
  url:      the server's base URL, e.g. http://127.0.0.1:3000 (Socket.IO path /socket.io/)

Each scenario talks to the server that sio_python.rs builds for it (see the test for what the
server does). Success: one JSON line {"ok": true, "scenario": ..., ...} on stdout, exit 0.
Failure: the reason on stderr, exit 1. The whole run is bounded by GLOBAL_TIMEOUT seconds.
Set SIO_CLIENT_DEBUG=1 to have python-socketio and python-engineio log every packet to stderr.
"""

import asyncio
import json
import os
import sys

import socketio

GLOBAL_TIMEOUT = 15
STEP_TIMEOUT = 5


class Fail(Exception):
    """A scenario expectation that did not hold."""


def jsonable(value):
    """Makes received values printable as JSON (bytes become {"bytes": [ints]})."""
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": list(value)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def check(cond, what):
    if not cond:
        raise Fail(what)


class Inbox:
    """Records every event a namespace receives (those without an explicit handler)."""

    def __init__(self, sio, namespace="/"):
        self.events = []
        self.changed = asyncio.Event()
        sio.on("*", self._on_event, namespace=namespace)

    async def _on_event(self, event, *args):
        self.events.append([event, list(args)])
        self.changed.set()

    def names(self):
        return [e[0] for e in self.events]

    async def wait(self, event):
        """The arguments of the first `event` received (waiting for it up to STEP_TIMEOUT)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP_TIMEOUT
        while True:
            for name, args in self.events:
                if name == event:
                    return args
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise Fail(f"no '{event}' event within {STEP_TIMEOUT} s (got {self.names()})")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass


def client():
    debug = bool(os.environ.get("SIO_CLIENT_DEBUG"))
    return socketio.AsyncClient(
        reconnection=False, handle_sigint=False, logger=debug, engineio_logger=debug
    )


async def connect(sio, url, **kwargs):
    kwargs.setdefault("wait_timeout", STEP_TIMEOUT)
    await sio.connect(url, **kwargs)


async def call(sio, event, data=None, namespace=None):
    return await sio.call(event, data, namespace=namespace, timeout=STEP_TIMEOUT)


async def refused(url, **kwargs):
    """Connects expecting a refusal; returns what the connect_error handler received."""
    sio = client()
    errors = []

    async def on_connect_error(*data):
        errors.append(list(data))

    namespaces = kwargs.get("namespaces") or ["/"]
    for ns in namespaces:
        sio.on("connect_error", on_connect_error, namespace=ns)
    try:
        await connect(sio, url, **kwargs)
    except socketio.exceptions.ConnectionError as e:
        check(len(errors) == 1, f"expected one connect_error, got {errors}")
        return {"error": str(e), "data": errors[0]}
    finally:
        if sio.connected:
            await sio.disconnect()
    raise Fail(f"connection {kwargs} was accepted")


# Server: the connect handler of "/" accepts auth {"token": "secret", "user": U} and emits
# "welcome" {"user": U}; any other token is refused with message "bad token" and data
# {"reason": "token mismatch"}.


async def auth_ok(url):
    sio = client()
    inbox = Inbox(sio)
    await connect(sio, url, auth={"token": "secret", "user": "ana"})
    welcome = await inbox.wait("welcome")
    sid = sio.get_sid()
    await sio.disconnect()
    return {"sid": sid, "welcome": welcome}


async def auth_refused(url):
    wrong = await refused(url, auth={"token": "wrong", "user": "eve"})
    missing = await refused(url)
    return {"wrong": wrong, "missing": missing}


# Server: "greet" (name, n) -> emits "greeting" ("hello " + name, n * 2); "note" {...} is
# recorded; "blob" ({label}, bytes) -> emits "blob-back" with the same arguments and attachment.


async def events(url):
    sio = client()
    inbox = Inbox(sio)
    await connect(sio, url)
    await sio.emit("note", {"text": "from python", "list": [1, 2, 3], "nested": {"ok": True}})
    await sio.emit("greet", ("py", 21))
    greeting = await inbox.wait("greeting")
    blob = bytes(range(256)) + b"\x00\xff"
    await sio.emit("blob", ({"label": "raw"}, blob))
    blob_back = await inbox.wait("blob-back")
    check(len(blob_back) == 2, f"blob-back has {len(blob_back)} arguments")
    check(isinstance(blob_back[1], bytes), f"blob-back attachment is {type(blob_back[1])}")
    check(blob_back[1] == blob, "blob-back bytes differ from those sent")
    sid = sio.get_sid()
    await sio.disconnect()
    return {"sid": sid, "greeting": greeting, "blob_back": jsonable(blob_back)}


# Server: "sum" {a, b} -> ack a + b; "pair" -> ack ("x", 1); "fail" -> error ack
# {"error": {"code": "nope", "message": "refused"}}. The Rust test then asks "question" with
# {"x": 21} (we answer {"answer": x * 2}) and "tuple" (we answer ("a", 2)), and finally emits
# "done".


async def acks(url):
    sio = client()
    inbox = Inbox(sio)
    questions = []

    async def question(data):
        questions.append(data)
        return {"answer": data["x"] * 2}

    async def tuple_question():
        questions.append("tuple")
        return ("a", 2)

    sio.on("question", question)
    sio.on("tuple", tuple_question)
    await connect(sio, url)
    result = {
        "sum": await call(sio, "sum", {"a": 2, "b": 40}),
        "pair": await call(sio, "pair"),
        "fail": await call(sio, "fail"),
        "bad_payload": await call(sio, "sum", "not an object"),
    }
    await inbox.wait("done")
    result["questions"] = questions
    await sio.disconnect()
    return result


# Server: "join" room -> joins it, acks the room name; "shout" (room, msg) -> emits "news" msg
# to the room (sender excluded), then "marker" to every socket, and acks how many sockets
# "news" was queued for.


async def rooms(url):
    a, b = client(), client()
    inbox_a, inbox_b = Inbox(a), Inbox(b)
    await connect(a, url)
    await connect(b, url)
    joined = await call(a, "join", "vip")
    delivered = await call(b, "shout", ("vip", "hello vip"))
    await inbox_a.wait("marker")
    await inbox_b.wait("marker")
    result = {
        "joined": joined,
        "delivered": delivered,
        "a": inbox_a.events,
        "b": inbox_b.events,
        "sids": [a.get_sid(), b.get_sid()],
    }
    await a.disconnect()
    await b.disconnect()
    return result


# Server: "/" and "/admin" both answer "whoami" with their namespace path; "/admin" emits
# "hello" with its path on connect. "/nope" does not exist.


async def namespace(url):
    sio = client()
    inbox_root, inbox_admin = Inbox(sio, "/"), Inbox(sio, "/admin")
    await connect(sio, url, namespaces=["/", "/admin"])
    result = {
        "root_sid": sio.get_sid("/"),
        "admin_sid": sio.get_sid("/admin"),
        "whoami_root": await call(sio, "whoami", namespace="/"),
        "whoami_admin": await call(sio, "whoami", namespace="/admin"),
        "hello": await inbox_admin.wait("hello"),
    }
    await call(sio, "whoami", namespace="/")
    result["root_events"] = inbox_root.events
    await sio.disconnect()
    result["unknown"] = await refused(url, namespaces=["/nope"])
    return result


# Server: "echo" acks its arguments back; the connect handler emits "transport" with the
# transport of the opening request.


async def with_transports(url, transports, payload_size):
    sio = client()
    inbox = Inbox(sio)
    await connect(sio, url, transports=transports)
    opened = await inbox.wait("transport")
    if transports is None:
        # The upgrade to WebSocket completes in the background.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STEP_TIMEOUT
        while sio.transport() != "websocket" and loop.time() < deadline:
            await asyncio.sleep(0.05)
    payload = {"text": "x" * payload_size, "n": 7}
    echoed = await call(sio, "echo", payload)
    check(echoed == payload, "echo changed the payload")
    transport = sio.transport()
    await sio.disconnect()
    return {"opened_with": opened, "transport": transport, "echo_len": len(echoed["text"])}


SCENARIOS = {
    "auth-ok": auth_ok,
    "auth-refused": auth_refused,
    "events": events,
    "acks": acks,
    "rooms": rooms,
    "namespace": namespace,
    "websocket": lambda url: with_transports(url, ["websocket"], 10_000),
    "polling": lambda url: with_transports(url, ["polling"], 200_000),
    "upgrade": lambda url: with_transports(url, None, 1_000),
}


async def main(scenario, url):
    result = await asyncio.wait_for(SCENARIOS[scenario](url), GLOBAL_TIMEOUT)
    print(json.dumps({"ok": True, "scenario": scenario, **result}))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        print(f"usage: sio_client.py <{'|'.join(SCENARIOS)}> <url>", file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
    except asyncio.TimeoutError:
        print(f"sio_client {sys.argv[1]}: global timeout after {GLOBAL_TIMEOUT} s", file=sys.stderr)
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 - any failure is reported the same way
        print(f"sio_client {sys.argv[1]}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
