"""A TLS mock upstream on hypercorn (HTTP/2 by ALPN, or HTTP/1.1 when so configured), for the
multiplexing tests and the benchmark:

    python3 -m hypercorn --certfile C --keyfile K --bind 127.0.0.1:PORT http2_upstream:app

POST /v1/messages answers a small message, or, for `"stream": true`, a stream of
`mock.events` deltas `mock.delay_ms` apart ending in `message_stop`. GET /count answers
`connections` (distinct client (host, port) pairs) and `peak` (most requests in progress at
once) since the last GET /reset.
"""

import asyncio
import json

clients = set()
in_progress = 0
peak = 0
BODY = json.dumps({
    "id": "msg_h2", "type": "message", "role": "assistant", "model": "claude-sonnet-5",
    "content": [{"type": "text", "text": "Hello over HTTP/2."}], "stop_reason": "end_turn",
    "usage": {"input_tokens": 10, "output_tokens": 5},
}).encode()


def event(name, data):
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


async def stream(send, events, delay):
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]})
    await send({"type": "http.response.body", "more_body": True, "body": event("message_start", {
        "type": "message_start", "message": {"id": "msg_h2", "type": "message", "role": "assistant",
                                             "model": "claude-sonnet-5", "content": [],
                                             "usage": {"input_tokens": 10, "output_tokens": 1}}})})
    for index in range(events):
        await asyncio.sleep(delay)
        await send({"type": "http.response.body", "more_body": True, "body": event("content_block_delta", {
            "type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": f"word{index} "}})})
    await send({"type": "http.response.body", "body": event("message_stop", {"type": "message_stop"})})


async def app(scope, receive, send):
    global in_progress, peak
    if scope["type"] != "http":
        return
    if scope["path"] == "/v1/messages":
        in_progress += 1
        peak = max(peak, in_progress)
        try:
            await messages(scope, receive, send)
        finally:
            in_progress -= 1
        return
    await receive()
    if scope["path"] == "/reset":
        clients.clear()
        peak = 0
    body = json.dumps({"connections": len(clients), "peak": peak}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def messages(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    clients.add(tuple(scope.get("client") or ()))
    request = json.loads(body or b"{}")
    if request.get("stream"):
        mock = request.get("mock") or {}
        await stream(send, int(mock.get("events", 3)), float(mock.get("delay_ms", 0)) / 1000)
        return
    body = BODY
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
