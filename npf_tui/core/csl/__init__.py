"""CSL support files: vendored .csl styles (none needed so far) and the fixes applied to citeproc-py (see fixes.py)."""
