"""Entities: discovering names in documents, merging spellings across languages, the stored entity index."""

#: The entity store's format: bump when extraction or merging changes, so stored candidates are recomputed. Kept here
#: rather than in store.py: every open of an index compares it, and importing the store for it cost each cold
#: `npf search` ~25 ms.
STORE_VERSION = 9
