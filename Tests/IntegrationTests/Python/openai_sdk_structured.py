"""Structured outputs through maximize's /v1/chat/completions, as OpenAI clients ask for them.

Usage: openai_sdk_structured.py SOCKET_PATH NATIVE_MODEL TOOL_MODEL
Prints one JSON object with what the openai SDK and langchain-openai saw; exits non-zero on any
unexpected failure (a parse that does not validate against the pydantic model fails here).
"""

import json
import sys
from enum import Enum
from typing import Optional

import openai
from pydantic import BaseModel

_http = sys.modules[openai.DefaultHttpxClient.__mro__[1].__module__.split(".")[0]]


class Color(str, Enum):
    red = "red"
    green = "green"


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    name: str
    age: int
    color: Color
    address: Address
    tags: list[str]
    scores: list[float]
    nickname: Optional[str]
    active: bool


MESSAGES = [{"role": "user", "content": "Describe a person."}]
REFUSED = {
    "type": "json_schema",
    "json_schema": {
        "name": "Refused",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"mock_refuse": {"type": "string"}},
            "required": ["mock_refuse"],
            "additionalProperties": False,
        },
    },
}


def parsed(completion):
    choice = completion.choices[0]
    return {
        "person": choice.message.parsed.model_dump(mode="json"),
        "finish": choice.finish_reason,
        "tool_calls": choice.message.tool_calls,
        "total_tokens": completion.usage.total_tokens,
        "model": completion.model,
    }


def streamed(client, model):
    deltas, usage = 0, None
    with client.chat.completions.stream(
        model=model, messages=MESSAGES, response_format=Person, stream_options={"include_usage": True}
    ) as stream:
        for event in stream:
            if event.type == "content.delta":
                deltas += 1
            if event.type == "chunk" and event.chunk.usage is not None:
                usage = event.chunk.usage.total_tokens
        final = stream.get_final_completion()
    choice = final.choices[0]
    return {
        "person": choice.message.parsed.model_dump(mode="json"),
        "finish": choice.finish_reason,
        "deltas": deltas,
        "usage": usage,
        "tool_calls": choice.message.tool_calls,
    }


def main() -> None:
    socket, native, tool = sys.argv[1:4]
    client = openai.OpenAI(
        api_key="unused-by-maximize",
        base_url="http://maximize/v1",
        http_client=openai.DefaultHttpxClient(transport=_http.HTTPTransport(uds=socket)),
        max_retries=0,
    )
    result = {
        "parse_native": parsed(client.chat.completions.parse(model=native, messages=MESSAGES, response_format=Person)),
        "parse_tool": parsed(client.chat.completions.parse(model=tool, messages=MESSAGES, response_format=Person)),
        "stream_native": streamed(client, native),
        "stream_tool": streamed(client, tool),
    }

    completion = client.chat.completions.create(
        model=native, messages=[{"role": "user", "content": "Answer in JSON."}], response_format={"type": "json_object"}
    )
    result["json_object"] = {
        "content": json.loads(completion.choices[0].message.content),
        "finish": completion.choices[0].finish_reason,
    }

    try:
        client.chat.completions.create(model=native, messages=MESSAGES, response_format=REFUSED)
        result["refused"] = None
    except openai.BadRequestError as error:
        body = error.body if isinstance(error.body, dict) else {}
        result["refused"] = {"status": error.status_code, "message": body.get("message"), "type": body.get("type")}

    from langchain_openai import ChatOpenAI

    for name, model in (("langchain_native", native), ("langchain_tool", tool)):
        chat = ChatOpenAI(
            model=model,
            api_key="unused-by-maximize",
            base_url="http://maximize/v1",
            http_client=_http.Client(transport=_http.HTTPTransport(uds=socket)),
            max_retries=0,
        )
        answer = chat.with_structured_output(Person).invoke("Describe a person.")
        result[name] = answer.model_dump(mode="json")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
