"""The one error type for anything a user can get wrong."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a user: says what was wrong, where, and how to fix it."""

    def __init__(self, problem: str, *, fix: str, where: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        self.where = where
        super().__init__(self.message())

    @classmethod
    def unreadable(cls, path, error: OSError) -> InputError:
        """A file that cannot be opened: says why (the system's words) and what to check."""
        return cls(
            f"Cannot read the file ({error.strerror or error}).",
            where=str(path),
            fix="Check the path and its permissions (in a scenario, relative paths start at the "
            "scenario's folder).",
        )

    def message(self) -> str:
        """One paragraph: where, what was wrong, and the fix."""
        where = f"{self.where}: " if self.where else ""
        return f"{where}{self.problem} {self.fix}"
