"""``python -m realtime_cli``: the ``realtime-proto`` command."""

import sys

from ._command import main

if __name__ == "__main__":
    sys.exit(main())
