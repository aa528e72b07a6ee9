"""Text in and out: the command grammar, dates, recurrence and holidays, the privacy guard,
and the language catalogues."""
