"""Citations: CSL styles through citeproc-py (with its fixes), quotes with their citations, the clipboard."""
