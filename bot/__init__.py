"""returbot: the application — start-up, config, domain rules, scheduling, language."""
