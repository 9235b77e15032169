"""An HTTP/2 (TLS) mock upstream for the benchmark's multiplexing measurement, on hypercorn.

It answers POST /v1/messages with a small message, records each client (host, port) pair, and
answers GET /count with the number of distinct connections seen since the last GET /reset.
"""

import json

clients = set()
BODY = json.dumps({
    "id": "msg_h2", "type": "message", "role": "assistant", "model": "claude-sonnet-5",
    "content": [{"type": "text", "text": "Hello over HTTP/2."}], "stop_reason": "end_turn",
    "usage": {"input_tokens": 10, "output_tokens": 5},
}).encode()


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    path = scope["path"]
    if path == "/count":
        body = json.dumps({"connections": len(clients)}).encode()
    elif path == "/reset":
        clients.clear()
        body = b"{}"
    else:
        clients.add(tuple(scope.get("client") or ()))
        body = BODY
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
