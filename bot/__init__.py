"""Adapters and wiring: configuration, storage, Telegram, the terminal chat and the command line.

The only package that touches SQLAlchemy and python-telegram-bot.
"""

__version__ = "0.1.0"
