"""Search: the Whoosh index and its generations, the query language, ranking, highlighting, the Library."""
