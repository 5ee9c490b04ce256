"""Rasa input/output channels for residents: web chat (socket.io) and Telegram."""
