"""``python -m rgdl``: the command line (:mod:`rgdl.book.cli`)."""

import sys

from rgdl.book.cli import main

if __name__ == "__main__":
    sys.exit(main())
