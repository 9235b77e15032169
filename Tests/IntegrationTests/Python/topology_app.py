"""The "app" of the topology test: it knows only the shared run directory's socket.

Usage: topology_app.py SOCKET create [MODEL]    one request; prints {"status", "model"} or {"error"}
       topology_app.py SOCKET stream             one streamed request; prints {"texts", "stop"}
"""

import json
import sys

import anthropic

_http = sys.modules[anthropic.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]


def main() -> None:
    socket_path, command = sys.argv[1], sys.argv[2]
    client = anthropic.Anthropic(
        api_key="unused",
        base_url="http://maximize",
        http_client=anthropic.DefaultHttpxClient(transport=_http.HTTPTransport(uds=socket_path)),
        max_retries=0,
    )
    try:
        if command == "create":
            model = sys.argv[3] if len(sys.argv) > 3 else "l"
            message = client.messages.create(model=model, max_tokens=32, messages=[{"role": "user", "content": "hi"}])
            print(json.dumps({"status": 200, "model": message.model}))
        else:
            texts = []
            with client.messages.stream(
                model="l",
                max_tokens=32,
                messages=[{"role": "user", "content": "stream"}],
                extra_body={"mock": {"events": 8, "delay_ms": 150}},
            ) as stream:
                for text in stream.text_stream:
                    texts.append(text)
                stop = stream.get_final_message().stop_reason
            print(json.dumps({"texts": texts, "stop": stop}))
    except anthropic.APIStatusError as error:
        print(json.dumps({"error": error.status_code}))


if __name__ == "__main__":
    main()
