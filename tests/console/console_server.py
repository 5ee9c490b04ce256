"""Serve the agent console and the REST channel without the model: `python -m tests.console.console_server PORT`.

For the console's security and work-flow tests: an echo agent answers REST residents at once (`收到：<text>`),
so a resident's latency measures only whether the server's event loop is free; pushes to residents (agents'
replies, "your ticket was re-queued") are recorded instead of sent and listed at `GET /test/pushes`.
Accounts and the hand-off database come from AGENT_ACCOUNTS_FILE and HANDOFF_DB_URL.
"""

import logging
import sys

from rasa.core import run
from rasa.core.channels.channel import UserMessage
from sanic import response

import bot.console.channel as console_channel
from bot.channels.rest import ValidatingRestInput
from bot.console.channel import AgentConsoleInput

PUSHES: list[dict] = []


class EchoAgent:
    class tracker_store:  # noqa: N801 - stands in for Rasa's tracker store object
        @staticmethod
        async def retrieve_full_tracker(_conversation_id):
            return None

    async def handle_message(self, message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")


async def record_push(_app, conversation_id, events) -> bool:
    PUSHES.extend({"conversation_id": conversation_id, "text": getattr(e, "text", None)} for e in events)
    return False


async def record_reply(app, conversation_id, event, _reply_id, before=()):
    from policy_core.handoff import ReplyState

    await record_push(app, conversation_id, [*before, event])
    return ReplyState.WAITING  # as for a REST resident


def main(port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    console_channel._push_reply = record_reply
    app = run.configure_app([AgentConsoleInput(), ValidatingRestInput()], enable_api=False, port=port)
    app.ctx.agent = EchoAgent()

    @app.get("/test/pushes")
    async def pushes(_request):
        return response.json(PUSHES)

    app.run(host="127.0.0.1", port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main(int(sys.argv[1]))
