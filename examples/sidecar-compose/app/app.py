"""An example application: asks Claude through the maximize sidecar's Unix socket, every minute."""

import os
import sys
import time

import anthropic

# Current SDK releases are built on httpx2, older ones on httpx: use the one the SDK uses.
_http = sys.modules[anthropic.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]

SOCKET = os.environ.get("MAXIMIZE_SOCKET", "/run/maximize/maximize.sock")

client = anthropic.Anthropic(
    api_key="unused",  # maximize holds the real credential
    base_url="http://maximize",
    http_client=anthropic.DefaultHttpxClient(transport=_http.HTTPTransport(uds=SOCKET)),
)

while True:
    try:
        with client.messages.stream(
            model="l",
            max_tokens=200,
            messages=[{"role": "user", "content": "Say hello in one short sentence."}],
        ) as stream:
            for text in stream.text_stream:
                print(text, end="", flush=True)
        print()
    except anthropic.AuthenticationError as error:
        print(f"not logged in yet: {error.message}", flush=True)
    except anthropic.APIError as error:
        print(f"request failed: {error}", flush=True)
    time.sleep(60)
