"""The database: engine and sessions, typed models, queries, migrations. Knows nothing of Slack."""
