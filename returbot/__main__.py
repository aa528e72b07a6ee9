"""``python -m returbot`` is the ``returbot`` command."""

import sys

from returbot.cli import main

sys.exit(main())
