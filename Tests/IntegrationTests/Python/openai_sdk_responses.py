"""Drives the official openai SDK's Responses API through maximize's Unix socket (/v1/responses).

Usage: openai_sdk_responses.py SOCKET_PATH
Prints one JSON object with what the SDK saw; exits non-zero on any unexpected failure.
"""

import json
import sys

import openai
import pydantic

_http = sys.modules[openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


class Weather(pydantic.BaseModel):
    city: str


def refused(call):
    try:
        call()
        return None
    except openai.BadRequestError as error:
        body = error.body if isinstance(error.body, dict) else {}
        return {"param": body.get("param"), "message": body.get("message")}


def main() -> None:
    client = openai.OpenAI(
        api_key="unused-by-maximize",
        base_url="http://maximize/v1",
        http_client=openai.DefaultHttpxClient(transport=_http.HTTPTransport(uds=sys.argv[1])),
        max_retries=0,
    )
    result = {}

    response = client.responses.create(model="xs", instructions="Be brief.", input="Hello", max_output_tokens=64)
    result["create"] = {
        "text": response.output_text,
        "id": response.id,
        "status": response.status,
        "model": response.model,
        "total_tokens": response.usage.total_tokens,
        "store": response.store,
        "instructions": response.instructions,
    }

    items = client.responses.create(
        model="l",
        instructions="Be brief.",
        input=[
            {"role": "developer", "content": "Answer in English."},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
        ],
    )
    result["items"] = items.output_text

    types, deltas, numbers = [], [], []
    with client.responses.stream(model="l", input="Stream") as stream:
        for event in stream:
            types.append(event.type)
            numbers.append(event.sequence_number)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    result["stream"] = {
        "text": "".join(deltas),
        "final": final.output_text,
        "status": final.status,
        "first": types[0],
        "last": types[-1],
        "ordered": numbers == list(range(len(numbers))),
        "usage": final.usage.total_tokens,
    }

    conversation = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.responses.create(model="l", input=conversation, tools=[WEATHER_TOOL], tool_choice="auto")
    call = next(item for item in first.output if item.type == "function_call")
    conversation += [item.model_dump(exclude_none=True) for item in first.output]
    conversation.append({"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 21C"})
    second = client.responses.create(model="l", input=conversation, tools=[WEATHER_TOOL])
    result["tools"] = {
        "name": call.name,
        "arguments": json.loads(call.arguments),
        "call_id": call.call_id,
        "id": call.id,
        "answer": second.output_text,
    }

    arguments = []
    with client.responses.stream(model="l", input="Weather?", tools=[WEATHER_TOOL]) as stream:
        for event in stream:
            if event.type == "response.function_call_arguments.delta":
                arguments.append(event.delta)
        final = stream.get_final_response()
    streamed_call = next(item for item in final.output if item.type == "function_call")
    result["stream_tools"] = {
        "deltas": len(arguments),
        "arguments": json.loads("".join(arguments)),
        "final": json.loads(streamed_call.arguments),
        "name": streamed_call.name,
    }

    image = client.responses.create(
        model="l",
        input=[{"role": "user", "content": [
            {"type": "input_text", "text": "What is this?"},
            {"type": "input_image", "image_url": f"data:image/png;base64,{PIXEL}"},
        ]}],
    )
    result["image"] = image.output_text

    reasoning = client.responses.create(model="l", input="Think", reasoning={"effort": "low"})
    result["reasoning"] = {
        "types": [item.type for item in reasoning.output],
        "summary": reasoning.output[0].summary[0].text,
        "text": reasoning.output_text,
    }

    # text.format through a model without native structured outputs: the forced-tool path.
    parsed = client.responses.parse(model="claude-3-7-sonnet-latest", input="Weather as JSON", text_format=Weather)
    deltas = []
    with client.responses.stream(model="l", input="JSON please", text={"format": {"type": "json_object"}}) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    result["structured"] = {
        "city": parsed.output_parsed.city,
        "text": parsed.output_text,
        "streamed": json.loads("".join(deltas)),
        "final": json.loads(final.output_text),
        "types": [item.type for item in final.output],
    }

    try:
        client.responses.create(model="l", input="x", user="mock-status-529")
        result["error"] = None
    except openai.APIStatusError as error:
        body = error.body if isinstance(error.body, dict) else {}
        result["error"] = {"status": error.status_code, "class": type(error).__name__, "type": body.get("type")}

    failed_types, error_message, failure = [], None, None
    with client.responses.stream(model="l", input="x", user="mock-stream-error") as stream:
        for event in stream:
            failed_types.append(event.type)
            if event.type == "error":
                error_message = event.message
            if event.type == "response.failed":
                failure = event.response.error.message
    result["stream_error"] = {"types": failed_types[-2:], "message": error_message, "failure": failure}

    result["previous"] = refused(lambda: client.responses.create(model="l", input="x", previous_response_id="resp_1"))
    result["store"] = refused(lambda: client.responses.create(model="l", input="x", store=True))
    result["builtin"] = refused(lambda: client.responses.create(model="l", input="x", tools=[{"type": "web_search_preview"}]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
