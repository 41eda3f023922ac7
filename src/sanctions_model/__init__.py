"""sanctions-model: what sanctions on Russia do to trade, and where the coalition leaks."""

__version__ = "0.1.0"
