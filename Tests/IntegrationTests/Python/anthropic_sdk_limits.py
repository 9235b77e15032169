"""Drives the official anthropic SDK through maximize while the upstream reports rate limits.

Usage: anthropic_sdk_limits.py SOCKET_PATH LIMIT_HEADERS_JSON
Sends a message and a streamed one (the mock adds LIMIT_HEADERS_JSON to both answers), then one
that the upstream refuses for the subscription's limit, then one more (which maximize should
answer itself). Prints one JSON object with what the SDK saw; exits non-zero on any failure.
"""

import json
import sys

import anthropic

_http = sys.modules[anthropic.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]


def main() -> None:
    socket_path, limit_headers = sys.argv[1], json.loads(sys.argv[2])
    client = anthropic.Anthropic(
        api_key="unused-by-maximize",
        base_url="http://maximize",
        http_client=anthropic.DefaultHttpxClient(transport=_http.HTTPTransport(uds=socket_path)),
        max_retries=0,
    )
    result = {}
    raw = client.messages.with_raw_response.create(
        model="xs",
        max_tokens=16,
        messages=[{"role": "user", "content": "Hello"}],
        extra_body={"mock": {"limit_headers": limit_headers}},
    )
    result["create"] = {
        "text": raw.parse().content[0].text,
        "utilization": raw.headers.get("anthropic-ratelimit-unified-5h-utilization"),
    }
    with client.messages.stream(
        model="l",
        max_tokens=16,
        messages=[{"role": "user", "content": "Stream please"}],
        extra_body={"mock": {"limit_headers": limit_headers}},
    ) as stream:
        result["stream"] = "".join(stream.text_stream)
    refusals = []
    for _ in range(2):
        try:
            client.messages.create(model="l", max_tokens=16, messages=[{"role": "user", "content": "x"}])
            refusals.append(None)
        except anthropic.RateLimitError as error:
            refusals.append(
                {
                    "status": error.status_code,
                    "type": error.body["error"]["type"],
                    "retry_after": error.response.headers.get("retry-after"),
                    "local": "maximize answers locally" in error.body["error"]["message"],
                }
            )
    result["refusals"] = refusals
    print(json.dumps(result))


if __name__ == "__main__":
    main()
