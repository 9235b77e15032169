"""An HTTP/2 mock upstream (TLS, h2 by ALPN, as the real API) that misbehaves on purpose, for
the no-silent-replay tests:

    python3 h2_fault_upstream.py PORT LOG CERTFILE KEYFILE

POST /v1/messages whose body holds `"mock": {"key": K, "h2": MODE}` is, the first time key K
arrives, refused with RST_STREAM REFUSED_STREAM (MODE "refuse"), refused by a GOAWAY whose last
stream id is below it (MODE "goaway"), or read whole and then its connection reset (MODE
"reset"). Every other request gets a small message. Each arrival (the request read whole) and
each answer is appended to LOG as "arrival K" / "answer K", so a test counts what the upstream
received.
"""

import json
import socket
import socketserver
import ssl
import struct
import sys
import threading

import h2.config
import h2.connection
import h2.errors
import h2.events

LOCK = threading.Lock()
ARRIVALS = {}
MESSAGE = json.dumps({
    "id": "msg_h2c", "type": "message", "role": "assistant", "model": "claude-sonnet-5",
    "content": [{"type": "text", "text": "Hello over h2c."}], "stop_reason": "end_turn",
    "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 5},
}).encode()


def log(line):
    with LOCK, open(sys.argv[2], "a") as handle:
        handle.write(line + "\n")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            sock = CONTEXT.wrap_socket(self.request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        connection.initiate_connection()
        sock.sendall(connection.data_to_send())
        bodies = {}
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    bodies[event.stream_id] = b""
                elif isinstance(event, h2.events.DataReceived):
                    bodies[event.stream_id] = bodies.get(event.stream_id, b"") + event.data
                    connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    if self.complete(sock, connection, event.stream_id, bodies.pop(event.stream_id, b"")):
                        return
            sock.sendall(connection.data_to_send())

    def complete(self, sock, connection, stream_id, body):
        """Answers or misbehaves; True when the connection is gone."""
        try:
            mock = json.loads(body or b"{}").get("mock") or {}
        except ValueError:
            mock = {}
        key = str(mock.get("key", ""))
        with LOCK:
            ARRIVALS[key] = ARRIVALS.get(key, 0) + 1
            first = ARRIVALS[key] == 1
        log(f"arrival {key}")
        mode = mock.get("h2") if first else None
        if mode == "refuse":
            connection.reset_stream(stream_id, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
            return False
        if mode == "goaway":
            # As a server going away gracefully: streams up to the last id would still be
            # answered; this one is above it. The client closes the connection.
            connection.close_connection(error_code=0, last_stream_id=max(0, stream_id - 2))
            return False
        if mode == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return True
        connection.send_headers(stream_id, [
            (":status", "200"), ("content-type", "application/json"),
            ("content-length", str(len(MESSAGE))), ("request-id", "req_h2c"),
        ])
        connection.send_data(stream_id, MESSAGE, end_stream=True)
        log(f"answer {key}")
        return False


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    CONTEXT.load_cert_chain(sys.argv[3], sys.argv[4])
    CONTEXT.set_alpn_protocols(["h2"])
    with Server(("127.0.0.1", int(sys.argv[1])), Handler) as server:
        server.serve_forever()
