"""``python -m ifl_cli``: the same as the ``ifl`` command."""

from ifl_cli.app import main

main()
