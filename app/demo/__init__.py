"""Demo data: damage to the World Heritage property "Site of Palmyra" (Syria), as records.

The records are YAML files in `palmyra/` (sources, the site, its monuments, their damage
history and restoration opinions), each citing the public sources it rests on by key. They
are loaded by the importer users use (`heritage-registry import records`), so they pass the
same checks as the API; `heritage-registry load-demo` imports this folder. Nothing here is an
official damage assessment.
"""

from pathlib import Path

PALMYRA = Path(__file__).parent / "palmyra"
