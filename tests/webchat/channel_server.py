"""Serve only the web chat channel (no model): `python -m tests.webchat.channel_server PORT`.

Enough to test the page, the static files and the socket.io protocol without the trained model: an echo
agent answers `收到：<text>` in the sender's session room (so replies only arrive when the socket really
joined its room), and `POST /test/push/<sender_id>` sends a text through the channel's output channel,
as Rasa's `output_channel=latest` does.
"""

import logging
import sys

from rasa.core import run
from rasa.core.channels.channel import UserMessage
from sanic import response

from bot.channels.socketio import WebChatInput


class EchoAgent:
    async def handle_message(self, message: UserMessage) -> None:
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
