"""A python-socketio 5 AsyncServer for the fastsio-client interop tests, with the same
contract as the fastsio server of tests/tests/client_interop.rs. Listens on 127.0.0.1 with a
free port and prints {"port": N} on its first line. `--path=/custom/` serves another Engine.IO
path, `--max-payload=N` sets max_http_buffer_size."""

import asyncio
import json
import sys
from urllib.parse import parse_qs

import socketio
from aiohttp import web


def option(name, default):
    prefix = f"--{name}="
    return next((a[len(prefix) :] for a in sys.argv if a.startswith(prefix)), default)


sio = socketio.AsyncServer(
    async_mode="aiohttp",
    ping_interval=5,
    ping_timeout=5,
    max_http_buffer_size=int(option("max-payload", 1_000_000)),
)
app = web.Application()
sio.attach(app, socketio_path=option("path", "/socket.io/").strip("/"))


@sio.event
async def connect(sid, environ, auth):
    name = (auth or {}).get("name", "?")
    if name == "bad":
        raise socketio.exceptions.ConnectionRefusedError("not allowed", {"code": 7})
    sio.start_background_task(sio.emit, "greet", {"text": f"hi {name}"}, to=sid)


@sio.event
async def echo(sid, e):
    return {"n": e["n"]}


@sio.event
async def ask_back(sid):
    try:
        return await sio.call("greet", {"text": "question"}, to=sid, timeout=10)
    except Exception as e:  # noqa: BLE001 - the answer tells the test what went wrong
        return f"no answer: {e}"


@sio.on("bin")
async def binary(sid, files):
    reversed_files = [bytes(reversed(f)) for f in files]
    await sio.emit("bin", reversed_files, to=sid)
    return len(reversed_files)


@sio.event
async def relay(sid, n):
    await sio.emit("n", n, to=sid)


@sio.event
async def whoami(sid):
    environ = sio.get_environ(sid)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    return {
        "header": environ.get("HTTP_X_TEST"),
        "token": query.get("token", [None])[0],
    }


async def main():
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port}), flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
