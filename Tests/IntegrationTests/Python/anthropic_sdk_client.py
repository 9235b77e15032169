"""Drives the official anthropic SDK through maximize's Unix socket, as an application would.

Usage: anthropic_sdk_client.py SOCKET_PATH
Prints one JSON object with what the SDK saw; exits non-zero on any failure.
"""

import json
import sys

import anthropic

# Current SDK releases build on httpx2; older ones on httpx. Take the transport from the
# package the SDK's client class is built on.
_http = sys.modules[anthropic.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]


def main() -> None:
    socket_path = sys.argv[1]
    client = anthropic.Anthropic(
        api_key="unused-by-maximize",
        base_url="http://maximize",
        http_client=anthropic.DefaultHttpxClient(transport=_http.HTTPTransport(uds=socket_path)),
        max_retries=0,
    )
    result = {}

    message = client.messages.create(
        model="xs",
        max_tokens=64,
        messages=[{"role": "user", "content": "Hello"}],
        metadata={"user_id": "sdk-user"},
    )
    result["create"] = {"text": message.content[0].text, "model": message.model, "stop": message.stop_reason}

    texts = []
    with client.messages.stream(
        model="l", max_tokens=64, messages=[{"role": "user", "content": "Stream please"}]
    ) as stream:
        for text in stream.text_stream:
            texts.append(text)
        final = stream.get_final_message()
    result["stream"] = {"texts": texts, "stop": final.stop_reason, "output_tokens": final.usage.output_tokens}

    count = client.messages.count_tokens(model="s", messages=[{"role": "user", "content": "Hi"}])
    result["count_tokens"] = count.input_tokens

    models = client.models.list()
    result["models"] = [model.id for model in models.data]

    try:
        client.messages.create(
            model="l",
            max_tokens=10,
            messages=[{"role": "user", "content": "x"}],
            extra_body={"mock": {"status": 529, "error_type": "overloaded_error"}},
        )
        result["error"] = None
    except anthropic.APIStatusError as error:
        result["error"] = {"status": error.status_code, "type": error.body["error"]["type"]}

    print(json.dumps(result))


if __name__ == "__main__":
    main()
