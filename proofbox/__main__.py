"""``python -m proofbox``: the same as the ``proofbox`` console script."""

import sys

from proofbox.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
