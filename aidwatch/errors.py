"""The AidWatch exception family.

Every error a user can cause or act on is an ``AidWatchError``; the CLI prints its message
(and hint) on one line without a traceback and exits with ``exit_code``.

    AidWatchError                 exit 1: something failed that the user did not cause directly
    ├── InputError                exit 2: bad input (arguments, files, SQL)
    │   ├── UnknownSeriesError    a series id that is not in the store (carries suggestions)
    │   ├── SQLError              rejected or failing read-only SQL
    │   └── FileFormatError       an unreadable or malformed input file (names file/line/field)
    ├── DataValidationError       the evidence base failed validation (carries problems)
    └── StoreError                the DuckDB store could not be built or opened
    AidWatchWarning               a one-line warning (printed by the CLI as "warning: …")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class AidWatchError(Exception):
    """Base class: a message a user can act on, plus an optional hint."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class InputError(AidWatchError):
    """The user's input (an argument, a file, a query) cannot be used as given."""

    exit_code = 2


class UnknownSeriesError(InputError):
    """A series id that the store does not hold."""

    def __init__(self, series_id: str, suggestions: Sequence[str] = ()) -> None:
        self.series_id = series_id
        self.suggestions = list(suggestions)
        hint = (
            "did you mean " + ", ".join(self.suggestions) + "?"
            if self.suggestions
            else "run `aidwatch data list` to see every series"
        )
        super().__init__(f"unknown series {series_id!r}", hint)


class SQLError(InputError):
    """Read-only SQL that DuckDB rejected or that tried to write."""


class FileFormatError(InputError):
    """A file that cannot be read: wrong encoding, malformed rows, missing columns."""


@dataclass(frozen=True)
class Problem:
    """One validation finding, located as precisely as the check allows."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.message}"


class DataValidationError(AidWatchError):
    """The evidence base (embedded or refreshed) failed validation."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        first = "; ".join(str(p) for p in self.problems[:3])
        more = f" (+{len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
        super().__init__(
            f"{len(self.problems)} data problem(s): {first}{more}",
            "run `aidwatch data validate` for the full list",
        )


class StoreError(AidWatchError):
    """The store could not be built, opened or queried."""


class AidWatchWarning(UserWarning):
    """Something the user should know that did not stop the command (a damaged store kept
    aside and rebuilt, an input cut at the size limit); the CLI prints it as one line."""
