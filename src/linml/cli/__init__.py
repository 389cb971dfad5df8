"""The ``linml`` command: thin over the library. Commands live in ``cmd_*.py`` modules."""
