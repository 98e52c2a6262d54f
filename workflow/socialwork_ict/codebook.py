"""The codebook: raw export columns and codes -> canonical contract columns.

A codebook (``config/codebook.yaml``) is a mapping with ``missing_codes`` and
``columns``; each canonical column names its ``raw`` column, its ``type``
(``text`` or ``int``), and its allowed ``codes`` or ``range``. The structure
is validated against ``workflow/schemas/codebook.schema.yaml`` at workflow
start-up; :func:`check_codebook` adds the checks a schema cannot express.

One raw column per canonical name and one canonical name per raw column:

- two canonical names mapped to the same ``raw`` column stop the run
  (:func:`check_codebook`);
- two raw columns mapped to one canonical name can only be written as the
  same canonical key twice (the codebook is keyed by canonical name). Plain
  YAML silently keeps the last one, so :func:`load_yaml_unique` rejects any
  duplicated mapping key with a one-line error naming the key and its lines.
  The targets file is read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from socialwork_ict.errors import InputError

#: columns the analysis cannot do without, whatever the codebook says
CORE_COLUMNS = ("respondent_id", "country", "consent", "direct_client_contact", "age", "ict_freq")


@dataclass(frozen=True)
class Column:
    """How one canonical column is read and checked."""

    name: str
    raw: str
    type: str
    label: str = ""
    codes: dict[int, str] = field(default_factory=dict)
    range: tuple[int, int] | None = None
    recode: dict[str, int] = field(default_factory=dict)
    required: bool = True
    asked_if: dict | None = None


@dataclass(frozen=True)
class ExportFormat:
    """How the export file is laid out (codebook key ``export``; docs/codebook-v2.md).

    ``delimiter``: ``auto`` (sniffed) or one of ``,`` ``;`` tab ``|``;
    ``decimal``: ``.`` or ``,``; ``encoding``: ``auto`` (UTF-8, or UTF-16/32
    with a byte-order mark) or a named encoding; ``sheet``: the sheet of an
    ``.xlsx`` workbook (None: the first).
    """

    delimiter: str = "auto"
    decimal: str = "."
    encoding: str = "auto"
    sheet: str | None = None


@dataclass(frozen=True)
class Codebook:
    columns: dict[str, Column]
    missing_codes: tuple[int, ...]
    source: str = "codebook"
    export: ExportFormat = field(default_factory=ExportFormat)

    def raw_to_canonical(self) -> dict[str, str]:
        return {column.raw: name for name, column in self.columns.items()}

    def labels(self, name: str) -> dict[int, str]:
        return dict(self.columns[name].codes)


#: libyaml's parser where PyYAML was built with it (same documents, ~5x faster)
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(SafeLoader):
    """A safe YAML loader that refuses duplicated keys in a mapping."""


class DuplicateKeyError(yaml.YAMLError):
    def __init__(self, key: object, first_line: int, line: int) -> None:
        self.key, self.first_line, self.line = key, first_line, line
        super().__init__(f"key {key!r} appears twice (lines {first_line} and {line})")


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep=False):
    loader.flatten_mapping(node)  # resolves merge keys (<<) first
    seen: dict[object, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            if key in seen:
                raise DuplicateKeyError(key, seen[key], line)
            seen[key] = line
        except TypeError:  # an unhashable key: let PyYAML report it
            break
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def load_yaml_unique(text: str) -> object:
    """``yaml.safe_load`` that raises :class:`DuplicateKeyError` on a repeated key."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook YAML file (a duplicated key is an error)."""
    path = Path(path)
    try:
        data = load_yaml_unique(path.read_text(encoding="utf-8"))
    except DuplicateKeyError as error:
        raise InputError(
            f"{error} (two raw columns for one canonical name, or a repeated key: "
            "each key may appear once)",
            file=str(path),
            column=str(error.key),
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError(f"cannot read the codebook: {error}", file=str(path)) from None
    return codebook_from_dict(data, source=str(path))


def codebook_from_dict(data: dict, *, source: str = "codebook") -> Codebook:
    """Build a :class:`Codebook` from its YAML mapping and check its logic."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise InputError("the codebook needs a `columns` mapping", file=source)
    columns = {}
    for name, spec in data["columns"].items():
        if not isinstance(spec, dict) or "raw" not in spec or "type" not in spec:
            raise InputError(
                "each codebook column needs `raw` and `type`", file=source, column=name
            )
        rng = spec.get("range")
        columns[name] = Column(
            name=name,
            raw=str(spec["raw"]),
            type=spec["type"],
            label=str(spec.get("label", name)),
            codes={int(k): str(v) for k, v in (spec.get("codes") or {}).items()},
            range=(int(rng[0]), int(rng[1])) if rng else None,
            recode={str(k): int(v) for k, v in (spec.get("recode") or {}).items()},
            required=bool(spec.get("required", True)),
            asked_if=spec.get("asked_if"),
        )
    codebook = Codebook(
        columns=columns,
        missing_codes=tuple(int(c) for c in data.get("missing_codes", [])),
        source=source,
        export=ExportFormat(**(data.get("export") or {})),
    )
    check_codebook(codebook)
    return codebook


def check_codebook(codebook: Codebook) -> None:
    """Checks beyond the schema: core columns present, one canonical name per raw column."""
    missing = [name for name in CORE_COLUMNS if name not in codebook.columns]
    if missing:
        raise InputError(
            "the codebook lacks core columns", file=codebook.source, values=missing, n_rows=None
        )
    seen: dict[str, str] = {}
    for name, column in codebook.columns.items():
        if column.raw in seen:
            raise InputError(
                f"raw column {column.raw!r} is mapped to two canonical names",
                file=codebook.source,
                column=column.raw,
                values=[seen[column.raw], name],
            )
        seen[column.raw] = name
        if column.type == "int" and not column.codes and column.range is None:
            raise InputError(
                "an int column needs `codes` or `range`", file=codebook.source, column=name
            )
