"""Exit codes, in one place: every command, the flow's front ends and `setup`'s errors
use these (gh's convention)."""

EXIT_OK = 0  # done, or nothing to change
EXIT_ERROR = 1  # invalid values; an error that is not about auth
EXIT_INVALID = EXIT_ERROR
EXIT_USAGE = 2  # usage error, unusable config.yaml, or cancelled
EXIT_CANCELLED = EXIT_USAGE
EXIT_AUTH = 4  # Baseten would be refused: bad credentials, no access, a cloud setup that refuses
