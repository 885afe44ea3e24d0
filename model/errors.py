"""The one error type for anything a user can get wrong."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a user: says what was wrong, where, and how to fix it."""

    def __init__(self, problem: str, *, fix: str, where: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        self.where = where
        super().__init__(self.message())

    def message(self) -> str:
        """One paragraph: where, what was wrong, and the fix."""
        where = f"{self.where}: " if self.where else ""
        return f"{where}{self.problem} {self.fix}"
