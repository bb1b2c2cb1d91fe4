"""npf-tui: a keyboard-driven bilingual reader and search tool for policy sources."""

__version__ = "0.1.0"
