"""The archive's side: transfer packages for the archive systems of public bodies (SPEC §10).

Like ``handlers/`` builds Slack's Block Kit, this room builds the outside formats an archive
takes in; it reads the records through the core (``bot.archival``) and writes files.
"""
