"""Error types shared by every stage.

`InputError` marks bad input from the user (a file, a flag, a parameter value).
The command-line layer turns it into one clear line and exit code 2.
"""


class InputError(ValueError):
    """Bad user input: reported as one line, exit code 2."""
