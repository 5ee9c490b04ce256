"""Rasa input/output channels for residents: web chat (socket.io), Telegram and validated REST."""
from bot import action_fallback

# Every Rasa server of this project loads these channels, so this is where the fallback is installed.
action_fallback.install()
