"""``python -m adapters.cli``: the same program as the ``frontdesk`` command."""

import sys

from .program import main

sys.exit(main())
