"""The database's side: the unit of work, the tables and what each feature stores. Never imports
Telegram."""
