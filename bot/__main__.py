"""``python -m bot`` is the ``returbot`` command."""

import sys

from bot.cli import main

sys.exit(main())
