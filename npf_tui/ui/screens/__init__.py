"""Screens of the terminal reader: the search screen, the reader, and the modal dialogs."""
