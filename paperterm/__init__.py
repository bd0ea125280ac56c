"""paperterm's core: the paper cache, the user's state, search, topics, sync and the CLI. No Textual here."""

__version__ = "0.1.0"
