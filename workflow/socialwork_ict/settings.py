"""Config and side-table validation with one-line messages.

The workflow validates ``config/config.yaml`` and the codebook against their
JSON schemas (``workflow/schemas/``) at start-up. ``snakemake.utils.validate``
prints the whole schema on failure; :func:`check_against_schema` runs first
and turns the first violation into one line that names the key.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from socialwork_ict.errors import InputError


def check_against_schema(data: object, schema_path: str | Path, *, what: str) -> None:
    """Raise InputError naming the offending key if ``data`` violates the schema."""
    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), e.message))
    if not errors:
        return
    error = errors[0]
    key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    message = error.message
    if error.validator == "additionalProperties":
        message = message.replace("Additional properties are not allowed", "unknown key")
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    raise InputError(f"key {key}: {message}{more}", file=what)
