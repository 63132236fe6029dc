"""Logging for rule scripts: to the rule's log file and to stderr, and the one entry
every rule script runs in.

    with rule_script(snakemake) as log:
        log.info("...")
        ...

Inside ``rule_script`` an ``InputError`` (bad input a user can fix) ends the
job with its one-line message (in the log and on stderr, no traceback); any
other uncaught exception is logged with its full traceback to the rule's log
file (``snakemake.log[0]``) and stderr before the job fails. An output that cannot be
written (disk full, quota, read-only file system) is one line too, naming the file
(or the job's outputs) and what to do.
"""

import contextlib
import errno
import logging
import sys

from .errors import InputError


def setup_logging(path=None, level=logging.INFO):
    handlers = [logging.StreamHandler(sys.stderr)]
    if path:
        handlers.append(logging.FileHandler(path, mode="w"))
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=handlers, force=True)
    logging.captureWarnings(True)


# errors of the place outputs go, not of genaug: a user fixes them with space or permissions
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DISK_ERRNOS = FULL_ERRNOS | {errno.EROFS, errno.EACCES, errno.EPERM}


def disk_error_line(e, outputs=()):
    """The one line for an OSError of writing, or None when ``e`` is another kind of error."""
    if not isinstance(e, OSError) or e.errno not in DISK_ERRNOS:
        return None
    what = e.filename or ", ".join(map(str, outputs)) or "an output"
    fix = "free space on its disk" if e.errno in FULL_ERRNOS else "make its directory writable (or the file readable)"
    return (f"{what}: {e.strerror or e} (errno {errno.errorcode.get(e.errno, e.errno)}); {fix}, then rerun "
            "(no partial output is kept)")


@contextlib.contextmanager
def rule_script(snakemake, name=None):
    """Log to ``snakemake.log[0]`` (when the rule has a log) and stderr; yield the logger
    ``genaug.<rule>``. InputError -> SystemExit with its one line; any other exception ->
    its traceback in the log, then SystemExit naming it and the log file."""
    path = snakemake.log[0] if len(snakemake.log) else None
    setup_logging(path)
    log = logging.getLogger(f"genaug.{name or snakemake.rule}")
    try:
        yield log
    except InputError as e:
        log.error("%s", e)
        raise SystemExit(f"genaug: {e}") from None
    except Exception as e:
        line = disk_error_line(e, list(snakemake.output))
        if line:
            log.error("%s", line)
            raise SystemExit(f"genaug: {line}") from None
        log.critical("unexpected error, traceback follows", exc_info=True)
        where = f"; the traceback is in {path}" if path else ""
        raise SystemExit(f"genaug: {snakemake.rule} failed: {type(e).__name__}: {e}{where}") from None
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()


def failure_lines(snakemake_log):
    """The one-line messages of the jobs that failed in a Snakemake run, read from their rule logs
    (named in Snakemake's own log: a path or a list of them): what ``onerror`` prints last, so they
    end the run's output."""
    import re

    text = ""
    for path in [snakemake_log] if isinstance(snakemake_log, (str, bytes)) else list(snakemake_log or []):
        try:
            with open(path) as f:
                text += f.read()
        except OSError:
            continue
    lines = []
    for rule_log in dict.fromkeys(re.findall(r"^\s+log: (.+?) \(check log file", text, re.M)):
        for path in rule_log.split(", "):
            try:
                with open(path) as f:
                    body = f.read()
            except OSError:
                continue
            for m in re.finditer(r" (ERROR|CRITICAL) genaug\.\S+: (.*)", body):
                if m.group(1) == "ERROR":
                    lines.append(f"genaug: {m.group(2)}")
                else:
                    lines.append(f"genaug: a job failed unexpectedly: the traceback is in {path}")
    return list(dict.fromkeys(lines))
