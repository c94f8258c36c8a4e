"""Inputs that only the pages have: the monument list's filter form."""

from typing import Annotated

from pydantic import Field

from app.assessments.models import DamageLevel
from app.core.schemas import AsOfDate, InputModel, KnownAtText, ShortText
from app.monuments.models import MonumentType


class MonumentListFilters(InputModel):
    """The filters of the monument list (a GET form: empty fields mean "any")."""

    site_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    type: MonumentType | None = None
    damage_level: DamageLevel | None = None
    q: Annotated[ShortText, Field(min_length=1, max_length=200)] | None = None


class TimeAxesFilters(InputModel):
    """A page's date control (a GET form: empty fields mean "now")."""

    as_of: AsOfDate | None = None
    known_at: KnownAtText | None = None
