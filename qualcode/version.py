"""The qualcode version, in a module of its own so that any layer (the store's migrations,
the CLI's ``--version``, a report's footer) can read it without importing the package's
public API (``qualcode/__init__`` and, through it, ``Project``)."""

__version__ = "0.1.0"
