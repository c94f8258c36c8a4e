"""The standard list of factors affecting World Heritage properties, read from factors.yaml."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Factor:
    """A secondary factor and its primary factor."""

    code: str
    name: str
    primary_code: str
    primary_name: str


@cache
def primary_factors() -> dict[str, str]:
    """Primary factor codes and names, in the list's order."""
    data = yaml.safe_load((Path(__file__).parent / "factors.yaml").read_text(encoding="utf-8"))
    return {entry["code"]: entry["name"] for entry in data["primary"]}


@cache
def factors() -> dict[str, Factor]:
    """Secondary factors by code, in the list's order."""
    data = yaml.safe_load((Path(__file__).parent / "factors.yaml").read_text(encoding="utf-8"))
    primary = primary_factors()
    return {
        entry["code"]: Factor(
            code=entry["code"],
            name=entry["name"],
            primary_code=entry["primary"],
            primary_name=primary[entry["primary"]],
        )
        for entry in data["secondary"]
    }


def factor_code(code: str) -> str:
    """Refuse a code that is not in the standard list."""
    if code not in factors():
        raise ValueError(
            f"is not a factor of the standard list ({', '.join(factors())}); "
            "GET /api/v1/standard-factors lists them with their primary factors"
        )
    return code
