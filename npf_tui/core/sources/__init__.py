"""Sources: the corpus on disk (Markdown with front matter) and importing files into it."""
