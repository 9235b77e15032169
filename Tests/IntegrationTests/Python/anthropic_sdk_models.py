"""Drives the official anthropic SDK's Models API (retrieve, list and its pages) through maximize.

Usage: anthropic_sdk_models.py SOCKET_PATH
Prints one JSON object with what the SDK saw; exits non-zero on any unexpected failure.
"""

import json
import sys

import anthropic

_http = sys.modules[anthropic.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]


def main() -> None:
    client = anthropic.Anthropic(
        api_key="unused-by-maximize",
        base_url="http://maximize",
        http_client=anthropic.DefaultHttpxClient(transport=_http.HTTPTransport(uds=sys.argv[1])),
        max_retries=0,
    )
    result = {}

    model = client.models.retrieve("claude-haiku-4-5")
    result["retrieve"] = {"id": model.id, "type": model.type, "display_name": model.display_name,
                          "created_at": model.created_at.isoformat()}
    result["nickname"] = client.models.retrieve("l").id
    try:
        client.models.retrieve("claude-unknown-1")
        result["missing"] = None
    except anthropic.NotFoundError as error:
        result["missing"] = {"status": error.status_code, "type": error.body["error"]["type"]}

    # Auto-pagination: one request per page, each after the previous page's last_id.
    result["all_pages"] = [model.id for model in client.models.list(limit=1)]
    page = client.models.list(limit=2)
    result["page"] = {"ids": [model.id for model in page.data], "has_more": page.has_more,
                      "first_id": page.first_id, "last_id": page.last_id}
    after = page.get_next_page()
    result["next_page"] = {"ids": [model.id for model in after.data], "has_more": after.has_more}
    before = client.models.list(before_id="claude-haiku-4-5", limit=1)
    result["before"] = {"ids": [model.id for model in before.data], "has_more": before.has_more}
    result["whole"] = [model.id for model in client.models.list()]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
