"""One module per source format: each reads a file's bytes into an ImportedText (paragraphs, metadata, encoding).

`npf_tui.core.sources.importing.import_file` picks the reader by extension and cleans what it returns.
"""
