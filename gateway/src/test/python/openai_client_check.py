"""The openai SDK against the gateway, as a user would call it.

Usage: python openai_client_check.py BASE_URL MODEL
Prints one JSON object: the completion (echo + logprobs, max_tokens 0) and a streamed chat.
"""
import json
import sys

from openai import OpenAI


def main():
    base_url, model = sys.argv[1], sys.argv[2]
    client = OpenAI(base_url=base_url, api_key="EMPTY", max_retries=0, timeout=120)

    models = [m.id for m in client.models.list().data]

    completion = client.completions.create(model=model, prompt="The quick brown fox jumps over the lazy dog.",
                                           max_tokens=0, echo=True, logprobs=2)
    choice = completion.choices[0]

    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Tell me a story."}], max_tokens=8, temperature=0,
        stream=True, stream_options={"include_usage": True})
    deltas, finish, usage, roles = [], None, None, []
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage.completion_tokens
        for c in chunk.choices:
            if c.delta.role:
                roles.append(c.delta.role)
            if c.delta.content:
                deltas.append(c.delta.content)
            if c.finish_reason:
                finish = c.finish_reason

    chat = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Tell me a story."}], max_tokens=8, temperature=0)

    print(json.dumps({
        "models": models,
        "completion": {"text": choice.text, "tokens": choice.logprobs.tokens,
                       "token_logprobs": choice.logprobs.token_logprobs,
                       "top_logprobs": choice.logprobs.top_logprobs,
                       "prompt_tokens": completion.usage.prompt_tokens},
        "stream": {"deltas": deltas, "finish_reason": finish, "completion_tokens": usage, "roles": roles},
        "chat": {"content": chat.choices[0].message.content, "finish_reason": chat.choices[0].finish_reason},
    }))


if __name__ == "__main__":
    main()
