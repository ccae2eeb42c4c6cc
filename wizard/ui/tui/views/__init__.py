"""One view per kind of page: what the content area shows for the current step."""
