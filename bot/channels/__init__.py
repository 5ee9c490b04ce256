"""Rasa input/output channels for residents: web chat (socket.io), Telegram and validated REST."""

from bot import remote_action

# Every Rasa server of this project loads these channels, so this is where the RemoteAction changes are installed.
remote_action.install()
