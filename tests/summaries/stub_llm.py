"""A tiny OpenAI-compatible chat completions server for the tests: ``POST
/v1/chat/completions`` on 127.0.0.1 (a free port), nothing else reached.

``mode`` decides each answer: ``"normal"`` (``answer`` as the message content),
``"slow"`` (the normal answer after ``delay`` seconds, or at ``stop()``), ``"error"`` (500),
``"malformed"`` (a body that is not JSON), ``"missing"`` (JSON without choices),
``"empty"`` (an empty message), ``"redirect"`` (307 to another host), ``"huge"`` (a body of
a megabyte), ``"echo_key"`` (401 quoting the Authorization header back, as a careless
server might). Every request is recorded (its JSON body and headers) in ``requests``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# what the tests ask the model to say
NORMAL_ANSWER = "The hosts plan the episode around one question. They agree that storage decides the outcome."
# sentences after timestamped sentences keep their markers; 999 is no moment of the note
MARKED_ANSWER = (
    "The episode opens with the plan for the season [t=61]. "
    "Storage costs fell by half after the change. [t=754] "
    "A made-up moment should not become a link [t=999]. "
    "The closing advice is to measure first."
)
HOSTILE_ANSWER = (
    "@everyone the guest says <@123> and <@&9> were right about caching. "
    "Read [the full story](https://evil.example/phish) before <#42> does. "
    "**Bold** claims and `code` and ||spoilers|| stay plain @here. "
    "Join discord.gg/abcdef or <https://x.example/y> for more!"
)
# far past every limit: a run-on sentence of 2,600 characters first, then 40 of about 200
LONG_ANSWER = " ".join(
    ["A giant run-on sentence " + "that goes on " * 200 + "and finally ends."]
    + [f"Sentence number {i} explains one more point at length, " + "with many words " * 9 + "and ends here."
       for i in range(40)])


@dataclass
class StubLLM:
    mode: str = "normal"
    answer: str = NORMAL_ANSWER
    finish_reason: str = "stop"
    delay: float = 5.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/v1"
        return self.base_url

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def completion(self, content: Any) -> dict[str, Any]:
        return {"id": "chatcmpl-1", "object": "chat.completion", "model": "stub",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": self.finish_reason}]}

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append({"body": body, "headers": dict(request.headers)})
        if self.mode == "slow":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), self.delay)
        if self.mode == "error":
            return web.json_response({"error": {"message": "the model crashed"}}, status=500)
        if self.mode == "malformed":
            return web.Response(text='{"choices": [{"message": ', content_type="application/json")
        if self.mode == "missing":
            return web.json_response({"id": "chatcmpl-1", "object": "chat.completion"})
        if self.mode == "empty":
            return web.json_response(self.completion("   "))
        if self.mode == "redirect":
            raise web.HTTPTemporaryRedirect("http://127.0.0.2:9/v1/chat/completions")
        if self.mode == "huge":
            return web.json_response(self.completion("word " * 250_000))
        if self.mode == "echo_key":
            sent = request.headers.get("Authorization", "")
            return web.Response(status=401, text=json.dumps({"error": f"bad key: {sent}"}))
        return web.json_response(self.completion(self.answer))

    def prompt(self, index: int = -1) -> str:
        """The user message of a recorded request."""
        return str(self.requests[index]["body"]["messages"][-1]["content"])
