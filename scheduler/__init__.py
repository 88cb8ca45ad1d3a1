"""Reminders: when each user's next reminder is due (pure policy) and the runner that sends them
through interfaces that the bot provides. Never imports `bot`.
"""
