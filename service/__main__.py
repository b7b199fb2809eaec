"""Run the command line with ``python -m service``."""

from service.cli import main

main()
