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


def refuse_unknown(given, known, where):
    """A ValueError naming the keys of ``given`` that are not in ``known`` (and the known
    ones), when there are any: ``where`` says whose settings they are."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def settings_from(cls, cfg, where):
    """The settings dataclass ``cls`` from a config mapping (None: the defaults); keys that are
    not fields of ``cls`` are refused, naming ``where`` (e.g. ``encode.sequences``)."""
    cfg = dict(cfg or {})
    refuse_unknown(cfg, cls.__dataclass_fields__, where)
    return cls(**cfg)
