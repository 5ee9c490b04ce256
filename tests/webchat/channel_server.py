"""Serve only the web chat channel (no model): `python -m tests.webchat.channel_server PORT`.

Enough to test the page, the static files and the socket.io protocol without the trained model: an echo
agent answers `收到：<text>` in the sender's session room (so replies only arrive when the socket really
joined its room), and `POST /test/push/<sender_id>` sends a text through the channel's output channel,
as Rasa's `output_channel=latest` does. For the page's own behaviour a few messages are special:
`静默` gets no answer at all, `慢` gets it after SLOW_SECONDS, `依据` an answer with folded details that
hold links (the message metadata an action sets, as actions/actions.py does).
"""

import asyncio
import logging
import sys

from rasa.core import run
from rasa.core.channels.channel import UserMessage
from sanic import response

from bot.channels.socketio import WebChatInput

SLOW_SECONDS = 2.5
DETAILS = "依据：办事指南 https://www.gov.cn/zhengce/ 。\n出处：见 javascript:alert(1) 与 ftp://files.example.org/a"


class EchoAgent:
    async def handle_message(self, message: UserMessage) -> None:
        if message.text == "静默":
            return
        if message.text == "慢":
            await asyncio.sleep(SLOW_SECONDS)
        if message.text == "依据":
            await message.output_channel.send_response(
                message.sender_id, {"text": "简短回答\n\n" + DETAILS, "short": "简短回答", "details": DETAILS}
            )
            return
        reply = f"收到：{message.text}"
        if message.text == "按钮":
            await message.output_channel.send_text_with_buttons(
                message.sender_id, reply, [{"title": "退休人员", "payload": "/inform"}]
            )
        else:
            await message.output_channel.send_text_message(message.sender_id, reply)
        await message.output_channel.send_text_message(
            message.sender_id,
            f"元数据：{sorted((k, v) for k, v in (message.metadata or {}).items() if k != 'client_tag')}",
        )


def main(port: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    channel = WebChatInput.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
            "metadata_key": "customData",
        }
    )
    app = run.configure_app([channel], enable_api=False, port=port)
    app.ctx.agent = EchoAgent()

    @app.post("/test/push/<sender_id>")
    async def push(request, sender_id):
        await channel.get_output_channel().send_text_message(sender_id, request.json["text"])
        return response.json({"ok": True})

    app.run(host="127.0.0.1", port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main(int(sys.argv[1]))
