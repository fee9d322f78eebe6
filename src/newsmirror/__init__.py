"""newsmirror: turn news sources into a durable, browsable Jekyll archive."""

__version__ = "0.1.0"
