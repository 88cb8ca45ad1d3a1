"""The conversation: a pure finite-state engine, the flows declared as data, and the parsers
that turn what a runner types into events the flows understand.

No Telegram, no database, no clock and no network in here: time arrives with the event.
"""
