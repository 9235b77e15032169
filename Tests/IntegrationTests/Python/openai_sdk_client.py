"""Drives the official openai SDK through maximize's Unix socket (/v1/chat/completions).

Usage: openai_sdk_client.py SOCKET_PATH
Prints one JSON object with what the SDK saw; exits non-zero on any unexpected failure.
"""

import json
import sys

import openai

_http = sys.modules[openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def main() -> None:
    client = openai.OpenAI(
        api_key="unused-by-maximize",
        base_url="http://maximize/v1",
        http_client=openai.DefaultHttpxClient(transport=_http.HTTPTransport(uds=sys.argv[1])),
        max_retries=0,
    )
    result = {}

    completion = client.chat.completions.create(
        model="xs",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
        max_tokens=64,
    )
    choice = completion.choices[0]
    result["create"] = {
        "text": choice.message.content,
        "finish": choice.finish_reason,
        "model": completion.model,
        "total_tokens": completion.usage.total_tokens,
    }

    texts, finish, usage = [], None, None
    for chunk in client.chat.completions.create(
        model="l", messages=[{"role": "user", "content": "Stream"}], stream=True, stream_options={"include_usage": True}
    ):
        if chunk.usage is not None:
            usage = chunk.usage.total_tokens
        for c in chunk.choices:
            if c.delta.content:
                texts.append(c.delta.content)
            if c.finish_reason:
                finish = c.finish_reason
    result["stream"] = {"text": "".join(texts), "finish": finish, "usage": usage}

    messages = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.chat.completions.create(model="l", messages=messages, tools=[WEATHER_TOOL], tool_choice="auto")
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny, 21C"})
    second = client.chat.completions.create(model="l", messages=messages, tools=[WEATHER_TOOL])
    result["tools"] = {
        "finish": first.choices[0].finish_reason,
        "name": call.function.name,
        "arguments": json.loads(call.function.arguments),
        "answer": second.choices[0].message.content,
    }

    name, arguments, index = None, "", None
    for chunk in client.chat.completions.create(
        model="l", messages=[{"role": "user", "content": "Weather?"}], tools=[WEATHER_TOOL], stream=True
    ):
        for c in chunk.choices:
            for delta in c.delta.tool_calls or []:
                index = delta.index
                if delta.function.name:
                    name = delta.function.name
                arguments += delta.function.arguments or ""
    result["stream_tools"] = {"name": name, "arguments": json.loads(arguments), "index": index}

    image = client.chat.completions.create(
        model="l",
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
        ]}],
    )
    result["image"] = image.choices[0].message.content

    try:
        client.chat.completions.create(
            model="l", messages=[{"role": "user", "content": "x"}], user="mock-status-529"
        )
        result["error"] = None
    except openai.APIStatusError as error:
        result["error"] = {"status": error.status_code, "type": error.body.get("type") if isinstance(error.body, dict) else None}

    try:
        client.chat.completions.create(model="l", messages=[{"role": "user", "content": "x"}], n=3)
        result["rejected"] = None
    except openai.BadRequestError as error:
        result["rejected"] = error.body.get("param") if isinstance(error.body, dict) else str(error)

    result["models"] = [model.id for model in client.models.list().data]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
