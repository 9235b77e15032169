"""Drives the official openai SDK's Models API (retrieve, list) through maximize.

Usage: openai_sdk_models.py SOCKET_PATH
Prints one JSON object with what the SDK saw; exits non-zero on any unexpected failure.
"""

import json
import sys

import openai

_http = sys.modules[openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]


def main() -> None:
    client = openai.OpenAI(
        api_key="unused-by-maximize",
        base_url="http://maximize/v1",
        http_client=openai.DefaultHttpxClient(transport=_http.HTTPTransport(uds=sys.argv[1])),
        max_retries=0,
    )
    result = {}

    model = client.models.retrieve("claude-sonnet-5")
    result["retrieve"] = {"id": model.id, "object": model.object, "created": model.created, "owned_by": model.owned_by}
    result["nickname"] = client.models.retrieve("xs").id
    try:
        client.models.retrieve("gpt-4o")
        result["missing"] = None
    except openai.NotFoundError as error:
        result["missing"] = {"status": error.status_code}

    listed = client.models.list()
    result["list"] = [{"id": entry.id, "object": entry.object, "owned_by": entry.owned_by} for entry in listed.data]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
