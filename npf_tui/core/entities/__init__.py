"""Entities: discovering names in documents, merging spellings across languages, the stored entity index."""
