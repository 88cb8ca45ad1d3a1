"""Telegram's side: updates in, replies out (python-telegram-bot), the webhook and polling loops."""
