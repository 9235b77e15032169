"""Runs the real Claude Code CLI straight at a recording mock upstream and through maximize.

Meant to run inside a network namespace that has only loopback (`ip netns exec`), so Claude Code
cannot reach the internet. Starts the mock (a thread here) and the built `maximize` daemon
(TCP on loopback, its upstream the mock), then runs each scenario twice with the same arguments:
`direct` (ANTHROPIC_BASE_URL the mock) and `proxied` (the daemon's port). Writes one JSON file:
per scenario and route, the requests the mock received, Claude Code's output and exit status.

Usage: claude_code_driver.py MAXIMIZE CLAUDE WORK_DIR CREDENTIAL(api_key|oauth) OUTPUT_JSON
"""

import ctypes
import json
import shutil
import signal
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RECORDS: list = []
LOCK = threading.Lock()
WRITE_MARKER = "WRITE-FILE:"


def sse(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def reply_blocks(body: dict) -> list:
    """A tool_use of Write when a user message asks for a file, the tool is offered and no tool
    result came back yet; else text."""
    texts, tool_result = [], False
    for message in body.get("messages") or []:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        for block in [{"type": "text", "text": content}] if isinstance(content, str) else content or []:
            if block.get("type") == "text":
                texts.append(block.get("text", ""))
            tool_result = tool_result or block.get("type") == "tool_result"
    text = "\n".join(texts)
    tools = {tool.get("name") for tool in body.get("tools") or []}
    if WRITE_MARKER in text and "Write" in tools and not tool_result:
        path = text.split(WRITE_MARKER, 1)[1].split()[0]
        return [{"type": "tool_use", "id": "toolu_mock_1", "name": "Write",
                 "input": {"file_path": path, "content": "written through the mock\n"}}]
    return [{"type": "text", "text": "Hello from the mock."}]


class Mock(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.record(b"")
        self.answer(404, {"type": "error", "error": {"type": "not_found_error", "message": "mock: no such path"}})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        self.record(raw)
        path = self.path.split("?")[0]
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        if path == "/v1/messages/count_tokens":
            return self.answer(200, {"input_tokens": 42})
        if path != "/v1/messages":
            return self.answer(404, {"type": "error", "error": {"type": "not_found_error", "message": "mock"}})
        blocks = reply_blocks(body)
        stop = "tool_use" if blocks[0]["type"] == "tool_use" else "end_turn"
        model = body.get("model", "claude-mock")
        usage = {"input_tokens": 10, "output_tokens": 5}
        if not body.get("stream"):
            return self.answer(200, {"id": "msg_mock", "type": "message", "role": "assistant", "model": model,
                                     "content": blocks, "stop_reason": stop, "stop_sequence": None, "usage": usage})
        events = [sse("message_start", {"type": "message_start", "message": {
            "id": "msg_mock", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}})]
        for index, block in enumerate(blocks):
            if block["type"] == "text":
                events.append(sse("content_block_start", {"type": "content_block_start", "index": index,
                                                          "content_block": {"type": "text", "text": ""}}))
                events.append(sse("content_block_delta", {"type": "content_block_delta", "index": index,
                                                          "delta": {"type": "text_delta", "text": block["text"]}}))
            else:
                start = dict(block, input={})
                events.append(sse("content_block_start", {"type": "content_block_start", "index": index,
                                                          "content_block": start}))
                events.append(sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": {
                    "type": "input_json_delta", "partial_json": json.dumps(block["input"])}}))
            events.append(sse("content_block_stop", {"type": "content_block_stop", "index": index}))
        events.append(sse("message_delta", {"type": "message_delta",
                                            "delta": {"stop_reason": stop, "stop_sequence": None},
                                            "usage": {"output_tokens": 5}}))
        events.append(sse("message_stop", {"type": "message_stop"}))
        payload = b"".join(events)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(payload)))
        self.send_header("request-id", "req_mock")
        self.end_headers()
        self.wfile.write(payload)

    def record(self, raw: bytes):
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with LOCK:
            RECORDS.append({"method": self.command, "path": self.path,
                            "headers": [[name.lower(), value] for name, value in self.headers.items()],
                            "body": body})

    def answer(self, status: int, document: dict):
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def normalized(request: dict) -> dict:
    """The request with the values one run of Claude Code differs from another in (its session
    id and device id) replaced by placeholders, wherever they occur."""
    text = json.dumps(request)
    headers = dict(request["headers"])
    replacements = {}
    if headers.get("x-claude-code-session-id"):
        replacements[headers["x-claude-code-session-id"]] = "<session-id>"
    body = request.get("body")
    user = body.get("metadata", {}).get("user_id") if isinstance(body, dict) else None
    try:
        identity = json.loads(user) if user else {}
    except ValueError:
        identity = {}
    for key in ("device_id", "session_id", "account_uuid"):
        if identity.get(key):
            replacements[identity[key]] = f"<{key}>"
    for value, placeholder in replacements.items():
        text = text.replace(value, placeholder)
    return json.loads(text)


def die_with_parent() -> None:
    """In the child: SIGKILL when the driver dies (a test that kills the driver by its pid
    leaves no daemon or CLI behind in the namespace)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"maximize exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("maximize did not listen in time")


def main() -> None:
    maximize, claude, work, credential, output = sys.argv[1:6]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Mock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mock_url = f"http://127.0.0.1:{server.server_address[1]}"

    state = os.path.join(work, "state")
    os.makedirs(state, exist_ok=True)
    if credential == "oauth":
        tokens = {"claudeAiOauth": {"accessToken": "sk-ant-oat01-daemon-held-token", "refreshToken": "sk-ant-ort01-daemon",
                                    "expiresAt": int(time.time() * 1000) + 86_400_000}}
    else:
        tokens = {"api_key": "sk-ant-api03-daemon-held-key"}
    with open(os.path.join(state, "tokens.json"), "w") as file:
        json.dump(tokens, file)
    port = free_port()
    with open(os.path.join(state, "config.json"), "w") as file:
        json.dump({"server": {"port": port, "drain_grace_seconds": 0}, "api": {"base_url": mock_url}}, file)
    log = open(os.path.join(work, "maximize.log"), "w")
    daemon = subprocess.Popen([maximize, "--state-dir", state, "--run-dir", os.path.join(work, "run")],
                              stdout=log, stderr=log, env={"HOME": work, "PATH": "/usr/bin:/bin"},
                              preexec_fn=die_with_parent)
    results = {"mock": mock_url, "daemon_port": port, "scenarios": {}}
    try:
        wait_listening(port, daemon)
        scenarios = [
            ("text", ["-p", "Say hello."]),
            ("stream_json", ["-p", "Say hello.", "--output-format", "stream-json", "--verbose"]),
            ("tool", None),
        ]
        for name, arguments in scenarios:
            for route, base in (("direct", mock_url), ("proxied", f"http://127.0.0.1:{port}")):
                results["scenarios"].setdefault(name, {})[route] = run_claude(
                    claude, work, name, route, arguments, base, credential)
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=15)
        except subprocess.TimeoutExpired:
            daemon.kill()
        server.shutdown()
    with open(output, "w") as file:
        json.dump(results, file, indent=1)


def run_claude(claude, work, name, route, arguments, base, credential) -> dict:
    # The same fresh HOME and working directory for both routes: their paths are in the prompt.
    home = os.path.join(work, f"home-{name}")
    directory = os.path.join(work, f"cwd-{name}")
    for path in (home, directory):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
    target = os.path.join(directory, "hello.txt")
    if arguments is None:
        arguments = ["-p", f"Create the file {WRITE_MARKER}{target} with a greeting.", "--allowedTools", "Write"]
    env = {
        "HOME": home, "PATH": "/usr/bin:/bin", "ANTHROPIC_BASE_URL": base,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1",
        "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
    }
    if credential == "oauth":
        env["CLAUDE_CODE_OAUTH_TOKEN"] = "sk-ant-oat01-client-own-token"
    else:
        env["ANTHROPIC_API_KEY"] = "sk-ant-api03-client-own-key"
    with LOCK:
        RECORDS.clear()
    try:
        done = subprocess.run([claude] + arguments, env=env, cwd=directory, capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=120, preexec_fn=die_with_parent)
        status, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as timeout:
        status, stdout, stderr = -1, timeout.stdout or b"", (timeout.stderr or b"") + b"\n(killed after 120 s)"
    with LOCK:
        requests = [normalized(request) for request in RECORDS]
    return {"status": status, "stdout": stdout.decode("utf-8", "replace"), "stderr": stderr.decode("utf-8", "replace"),
            "file": open(target).read() if os.path.exists(target) else None, "requests": requests}


if __name__ == "__main__":
    main()
