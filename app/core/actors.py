"""Who does things in the registry: API callers and the command line."""

import getpass
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a key may do (the roles table: docs/api.md)."""

    admin = "admin"
    staff = "staff"
    field = "field"
    partner = "partner"


# Roles that may see the exact position of a sensitive monument.
EXACT_LOCATION_ROLES = frozenset({Role.admin, Role.staff, Role.field})


@dataclass(frozen=True)
class Caller:
    """The authenticated caller, or the anonymous public (`role` None)."""

    role: Role | None
    key_id: int | None = None
    name: str = "anonymous"

    @property
    def sees_exact_locations(self) -> bool:
        """Whether sensitive coordinates may be shown to this caller unrounded."""
        return self.role in EXACT_LOCATION_ROLES

    @property
    def label(self) -> str:
        """How the caller is named in records of who did what."""
        if self.role is None:
            return "anonymous"
        return f"{self.role}:{self.name}" + (f" (key {self.key_id})" if self.key_id else "")


ANONYMOUS = Caller(role=None)


def command_line_actor() -> Caller:
    """The actor recorded for writes made with the `heritage-registry` command."""
    return Caller(role=Role.admin, name=f"command line ({getpass.getuser()})")
