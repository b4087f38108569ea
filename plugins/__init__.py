"""Built-in plugins of ``ifl``, installed as the ``ifl_plugins`` package.

They are registered through the same plugin manager and the same ``ifl_register``
hook as third-party plugins.
"""
