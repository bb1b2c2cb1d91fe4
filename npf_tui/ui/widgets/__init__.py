"""Widgets of the terminal reader; they render core dataclasses and post messages upward, never call slow core code."""
