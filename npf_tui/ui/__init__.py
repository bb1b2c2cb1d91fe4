"""The terminal reader (Textual): search, side-by-side reading, entity sidebar and quote copy over the core."""
