"""The browser's side (SPEC §9): Sign in with Slack and the register's pages, a Flask app that
``returbot/wiring.py`` builds and ``returbot/web_server.py`` serves beside Slack's endpoint."""
