"""Errors a user can act on."""


class InputError(ValueError):
    """Bad user input: the message is one line naming the file and the problem."""

    def __init__(self, path, problem):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def some_names(names, k=3):
    """First few names, quoted, for messages: 'a', 'b', 'c', ..."""
    names = list(names)
    return ", ".join(f"'{n}'" for n in names[:k]) + (", ..." if len(names) > k else "")
