"""Parsing YAML safely, with libyaml's C parser when PyYAML has it.

``yaml.safe_load`` uses the pure-Python parser: about 0.3 s for ``params.yaml``, paid by every
command that reads the parameters (a no-op ``make report`` reads them twice) and 1,600 times
in a render (cell options). ``CSafeLoader`` parses the same documents into the same values
with the same safe constructors, several times faster.
"""

from __future__ import annotations

from typing import Any

import yaml

#: The safe loader: libyaml's when PyYAML was built with it (the PyPI wheels are).
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """The value of a YAML document, parsed safely (as ``yaml.safe_load`` would)."""
    return yaml.load(text, Loader=SAFE_LOADER)
