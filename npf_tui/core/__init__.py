"""The headless core of npf-tui: corpus, analysis, index, search, entities, quotes (never imports the UI)."""
