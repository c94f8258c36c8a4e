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
# Roles that see who did what by name. Everyone else (the public, partners, other field
# teams) sees a role and a key number: field teams in conflict zones are not named to them.
NAMED_ROLES = frozenset({Role.admin, Role.staff})


def shown_actor(label: str | None, key_id: int | None, *, names: bool) -> str | None:
    """A recorded actor as a reader sees it: the full label (`field:Team Raqqa (key 7)`)
    when `names`, else a pseudonym of role and key (`field (key 7)`), stable per key."""
    if label is None or names:
        return label
    role = label.partition(":")[0] if ":" in label else label
    return f"{role} (key {key_id})" if key_id is not None else role


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
    def sees_names(self) -> bool:
        """Whether this caller is shown who did what by name (see `shown_actor`)."""
        return self.role in NAMED_ROLES

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
