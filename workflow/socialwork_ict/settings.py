"""Config and side-table validation with one-line messages.

The workflow validates ``config/config.yaml`` and the codebook against their
JSON schemas (``workflow/schemas/``) at start-up. :func:`check_against_schema`
collects every violation and turns the first into one line that names the key
(``snakemake.utils.validate`` would print the whole schema instead).
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from socialwork_ict.errors import InputError

#: libyaml's parser where PyYAML was built with it (same documents, parsed in C)
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_against_schema(data: object, schema_path: str | Path, *, what: str) -> None:
    """Raise InputError naming the offending key if ``data`` violates the schema."""
    schema = yaml.load(Path(schema_path).read_text(encoding="utf-8"), Loader=SafeLoader)
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
