"""Command line of ``ifl``, installed as the ``ifl_cli`` package."""
