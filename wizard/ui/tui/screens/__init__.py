"""Modal screens of the Textual front end."""
