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
from socialwork_ict.settings import SafeLoader, check_against_schema

#: columns the analysis cannot do without, whatever the codebook says
CORE_COLUMNS = ("respondent_id", "country", "consent", "direct_client_contact", "age", "ict_freq")


@dataclass(frozen=True)
class Column:
    """How one canonical column is read and checked.

    ``recode`` and ``missing`` are keyed by :func:`normalise_token` of the raw
    value; ``missing`` None means "the codebook's global ``missing_codes``".
    ``raw`` is None only for a member of a joined multi-select group.
    """

    name: str
    raw: str | None
    type: str
    label: str = ""
    codes: dict[int, str] = field(default_factory=dict)
    range: tuple[int, int] | None = None
    recode: dict[str, int | str] = field(default_factory=dict)
    required: bool = True
    asked_if: dict | None = None
    missing: tuple[str, ...] | None = None


#: a joined group's choice that ticks none of the members ("None of these")
NONE_OF_THESE = "none"


@dataclass(frozen=True)
class MultiSelect:
    """A checkbox question whose choices are canonical yes/no columns (docs/codebook-v2.md).

    ``form`` is ``split`` (one raw column per choice: each member's own ``raw``)
    or ``joined`` (one raw cell listing the ticked choices). Tokens
    (``unticked``, ``seen_unanswered``, ``choices`` keys) are normalised with
    :func:`normalise_token`; ``unticked`` is ``""`` for blank. A joined choice
    mapped to ``none`` (:data:`NONE_OF_THESE`) is an answer ticking no member.
    """

    name: str
    form: str
    members: tuple[str, ...]
    unticked: str = ""
    seen_unanswered: tuple[str, ...] = ()
    none_ticked: str = "missing"
    raw: str | None = None
    separator: str = ","
    choices: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowFilter:
    """Keep only rows whose ``raw`` column holds one of ``keep`` (normalised)."""

    raw: str
    keep: tuple[str, ...]
    reason: str


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
    multi_select: tuple[MultiSelect, ...] = ()
    filters: tuple[RowFilter, ...] = ()

    def raw_to_canonical(self) -> dict[str, str]:
        return {column.raw: name for name, column in self.columns.items() if column.raw}

    def labels(self, name: str) -> dict[int, str]:
        return dict(self.columns[name].codes)

    def missing_for(self, name: str) -> tuple[str, ...]:
        """Normalised raw values meaning "missing" in column ``name``."""
        own = self.columns[name].missing
        if own is not None:
            return own
        return tuple(normalise_token(code) for code in self.missing_codes)


def normalise_token(value: object) -> str:
    """A raw value as compared with codebook keys: trimmed, runs of spaces inside
    made one space, case-folded, and a whole number in its plain spelling
    (``"Very  Often "`` -> ``"very often"``; ``" 4.0 "``, ``"+4"`` and ``4`` -> ``"4"``)."""
    text = " ".join(str(value).split()).casefold()
    if "_" in text:  # float() would read "1_0" as 10
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    if number == number and abs(number) < 2**53 and number == int(number):
        return str(int(number))
    return text


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


def load_codebook(path: str | Path, *, schema: str | Path | None = None) -> Codebook:
    """Read and check a codebook YAML file.

    Order of checks: YAML syntax and duplicated keys; YAML's boolean traps
    (:func:`check_yaml_traps`); the JSON schema, when ``schema`` is given;
    then the logic a schema cannot express (:func:`check_codebook`).
    """
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
    check_yaml_traps(data, source=str(path))
    if schema is not None:
        check_against_schema(data, schema, what=str(path))
    return codebook_from_dict(data, source=str(path))


#: where a codebook holds raw values or labels, which YAML may read as booleans
_TOKEN_KEYS = ("codes", "recode", "missing", "choices", "keep", "seen_unanswered", "unticked")


def check_yaml_traps(data: object, *, source: str) -> None:
    """Stop on YAML's boolean traps: unquoted ``yes``/``no``/``on``/``off``/``true``/
    ``false`` (and ``NO``, Norway's code) as a key or value where the codebook
    holds raw values, codes or labels: YAML 1.1 reads them as booleans."""

    def walk(node: object, where: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                inside = where + [str(key)]
                if isinstance(key, bool) and any(k in where for k in _TOKEN_KEYS):
                    _trap(source, inside[:-1], f"a key is the boolean {key}")
                if isinstance(value, bool) and any(k in inside for k in _TOKEN_KEYS):
                    _trap(source, inside, f"the value is the boolean {value}")
                walk(value, inside)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, bool) and any(k in where for k in _TOKEN_KEYS):
                    _trap(source, where, f"an entry is the boolean {item}")
                walk(item, where)

    walk(data, [])


def _trap(source: str, where: list[str], problem: str) -> None:
    column = where[1] if len(where) > 1 and where[0] == "columns" else None
    raise InputError(
        f"{'.'.join(where)}: {problem}",
        file=source,
        column=column,
        hint="YAML reads unquoted yes/no/on/off/true/false and NO as booleans: quote them, "
        'e.g. "yes": 1 or {1: "no"}',
    )


def codebook_from_dict(data: dict, *, source: str = "codebook") -> Codebook:
    """Build a :class:`Codebook` from its YAML mapping and check its logic."""
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise InputError("the codebook needs a `columns` mapping", file=source)
    columns = {}
    for name, spec in data["columns"].items():
        if not isinstance(spec, dict) or "type" not in spec:
            raise InputError(
                "each codebook column needs `raw` and `type`", file=source, column=name
            )
        rng = spec.get("range")
        missing = spec.get("missing")
        columns[name] = Column(
            name=name,
            raw=str(spec["raw"]) if spec.get("raw") is not None else None,
            type=spec["type"],
            label=str(spec.get("label", name)),
            codes={int(k): str(v) for k, v in (spec.get("codes") or {}).items()},
            range=(int(rng[0]), int(rng[1])) if rng else None,
            recode=_normalised_keys(
                {
                    k: (int(v) if spec["type"] == "int" else str(v))
                    for k, v in (spec.get("recode") or {}).items()
                },
                source=source,
                where=f"columns.{name}.recode",
            ),
            required=bool(spec.get("required", True)),
            asked_if=spec.get("asked_if"),
            missing=None if missing is None else tuple(normalise_token(v) for v in missing),
        )
    groups = tuple(
        _multi_select(name, spec, source) for name, spec in (data.get("multi_select") or {}).items()
    )
    filters = tuple(
        RowFilter(
            raw=str(spec["raw"]),
            keep=tuple(normalise_token(v) for v in spec["keep"]),
            reason=str(
                spec.get("reason") or f"{spec['raw']} not {'/'.join(map(str, spec['keep']))}"
            ),
        )
        for spec in (data.get("filters") or [])
    )
    codebook = Codebook(
        columns=columns,
        missing_codes=tuple(int(c) for c in data.get("missing_codes", [])),
        source=source,
        export=ExportFormat(**(data.get("export") or {})),
        multi_select=groups,
        filters=filters,
    )
    check_codebook(codebook)
    return codebook


def _normalised_keys(mapping: dict, *, source: str, where: str) -> dict:
    """``mapping`` keyed by :func:`normalise_token`; two keys that compare equal but
    map to different targets stop the run (the last would win silently)."""
    out: dict = {}
    written: dict = {}
    for key, value in mapping.items():
        token = normalise_token(key)
        if token in out and out[token] != value:
            raise InputError(
                f"{where}: keys {written[token]!r} and {key!r} are the same raw value "
                f"(compared trimmed and case-insensitively) but map to {out[token]!r} and "
                f"{value!r}",
                file=source,
                hint="keep one of them",
            )
        out[token], written[token] = value, key
    return out


def _multi_select(name: str, spec: dict, source: str) -> MultiSelect:
    form = spec.get("form", "split")
    if form == "joined":
        choices = _normalised_keys(
            {k: str(v) for k, v in (spec.get("choices") or {}).items()},
            source=source,
            where=f"multi_select.{name}.choices",
        )
        members = tuple(dict.fromkeys(m for m in choices.values() if m != NONE_OF_THESE))
    else:
        choices = {}
        members = tuple(str(m) for m in spec.get("members") or ())
    unticked = spec.get("unticked", "blank")
    return MultiSelect(
        name=name,
        form=form,
        members=members,
        unticked="" if unticked in ("blank", "", None) else normalise_token(unticked),
        seen_unanswered=tuple(normalise_token(v) for v in spec.get("seen_unanswered") or ()),
        none_ticked=str(spec.get("none_ticked", "missing")),
        raw=str(spec["raw"]) if spec.get("raw") is not None else None,
        separator=str(spec.get("separator", ",")),
        choices=choices,
    )


def check_codebook(codebook: Codebook) -> None:
    """Checks beyond the schema (docs/codebook-v2.md, "Rules"):

    core columns present; one canonical name per raw column; every int column
    has codes or a range; canonical columns keep their contract type and code
    set; recode targets are valid codes (country: the contract's country
    codes); neither the global missing codes nor a column's own ``missing:``
    collide with a valid value of the column; multi-select members are yes/no
    columns and joined groups name their raw column.
    """
    from socialwork_ict.codes import CONTRACT_CODES, TEXT_COLUMNS

    source = codebook.source
    missing = [name for name in CORE_COLUMNS if name not in codebook.columns]
    if missing:
        raise InputError(
            "the codebook lacks core columns", file=source, values=missing, n_rows=None
        )
    joined_members = {m for g in codebook.multi_select if g.form == "joined" for m in g.members}
    seen: dict[str, str] = {}
    for name, column in codebook.columns.items():
        if column.raw is None:
            if name not in joined_members:
                raise InputError(
                    "each codebook column needs `raw` and `type`", file=source, column=name
                )
        elif column.raw in seen:
            raise InputError(
                f"raw column {column.raw!r} is mapped to two canonical names",
                file=source,
                column=column.raw,
                values=[seen[column.raw], name],
            )
        else:
            seen[column.raw] = name
        if name in TEXT_COLUMNS and column.type != "text":
            raise InputError(
                f"`type: {column.type}` on a text column of the data contract",
                file=source,
                column=name,
                hint=f"keep `type: text`; a numeric export is mapped with `recode:`, "
                f'e.g. recode: {{"1": CA}} for {name}',
            )
        if name in CONTRACT_CODES and column.type != "int":
            raise InputError(
                f"`type: {column.type}` on an integer-coded column of the data contract",
                file=source,
                column=name,
                hint='keep `type: int` and map label text with `recode:`, e.g. recode: {"Yes": 1}',
            )
        if name == "country":
            _check_country_recode(column, source)
        if column.type == "int" and not column.codes and column.range is None:
            raise InputError("an int column needs `codes` or `range`", file=source, column=name)
        if name in CONTRACT_CODES and column.codes:
            _check_contract_codes(column, CONTRACT_CODES[name], source)
        if column.type == "int":
            _check_recode_targets(codebook, column)
            if column.missing is None:
                _check_global_missing(codebook, column)
            else:
                _check_own_missing(codebook, column)
    _check_groups(codebook)


def label_warnings(codebook: Codebook) -> list[str]:
    """A WARNING per contract column whose code labels are worded differently from the
    contract's (compared case- and space-insensitively): tables use the contract's."""
    from socialwork_ict.codes import CONTRACT_CODES

    warnings = []
    for name, column in codebook.columns.items():
        contract = CONTRACT_CODES.get(name)
        if not contract or not column.codes:
            continue
        differ = [
            f"{code}: {column.codes[code]!r} (contract {contract[code]!r})"
            for code in sorted(contract)
            if code in column.codes
            and " ".join(column.codes[code].casefold().split()) != contract[code].casefold()
        ]
        if differ:
            warnings.append(
                f"file {Path(codebook.source).name}, column {name!r}: code labels differ from "
                f"the data contract's, {', '.join(differ)}; tables and the report use the "
                "contract's labels"
            )
    return warnings


def _check_contract_codes(column: Column, contract: dict[int, str], source: str) -> None:
    if set(column.codes) != set(contract):
        extra = sorted(set(column.codes) - set(contract))
        absent = sorted(set(contract) - set(column.codes))
        wanted = ", ".join(f"{code} {label}" for code, label in contract.items())
        raise InputError(
            "`codes:` differ from the data contract's"
            + (f" (not in the contract: {extra})" if extra else "")
            + (f" (missing: {absent})" if absent else ""),
            file=source,
            column=column.name,
            hint=f"keep the contract's codes ({wanted}) and map the export's own codes onto "
            'them with `recode:`, e.g. recode: {"6": 5}, or list them under `missing:`',
        )


def _check_recode_targets(codebook: Codebook, column: Column) -> None:
    missing = set(codebook.missing_for(column.name))
    for raw_value, code in column.recode.items():
        valid = code in column.codes if column.codes else column.range[0] <= code <= column.range[1]
        if not valid and normalise_token(code) not in missing:
            raise InputError(
                f"`recode:` maps {raw_value!r} to {code}, which is neither a code nor missing",
                file=codebook.source,
                column=column.name,
            )


def _check_global_missing(codebook: Codebook, column: Column) -> None:
    for code in codebook.missing_codes:
        if column.codes and code in column.codes:
            clash = f"the valid code {code} ({column.codes[code]})"
        elif column.range and column.range[0] <= code <= column.range[1]:
            clash = f"a value in its range [{column.range[0]}, {column.range[1]}]"
        else:
            continue
        raise InputError(
            f"the global missing code {code} is {clash}: it would turn those answers missing",
            file=codebook.source,
            column=column.name,
            hint="give the column that uses it as missing its own `missing: [...]` "
            "and keep `missing_codes` for codes no column uses",
        )


def _check_country_recode(column: Column, source: str) -> None:
    """country's ``recode:`` targets must be the contract's country codes (``"1": Canada``
    would exclude every Canadian as "another country")."""
    from socialwork_ict.codes import COUNTRIES

    for raw_value, target in column.recode.items():
        if str(target).strip().upper() not in (*COUNTRIES, ""):  # "": no country given
            raise InputError(
                f"`recode:` maps {raw_value!r} to {target!r}, which is not a country code of "
                f"the data contract ({', '.join(COUNTRIES)})",
                file=source,
                column=column.name,
                hint='map onto the codes, e.g. recode: {"1": CA, "Canada": CA}; values left '
                "out of the recode that are no configured country are excluded, with a warning",
            )


def _check_own_missing(codebook: Codebook, column: Column) -> None:
    """A column's own ``missing:`` number that is one of its valid codes (or in its range)
    would turn those answers missing (cleaning treats a code that is missing as missing)."""
    for token in column.missing or ():
        try:
            code = int(token)
        except ValueError:
            continue  # a label such as "Prefer not to say"
        if column.codes and code in column.codes:
            clash = f"the valid code {code} ({column.codes[code]})"
        elif column.range and column.range[0] <= code <= column.range[1]:
            clash = f"a value in its range [{column.range[0]}, {column.range[1]}]"
        else:
            continue
        raise InputError(
            f"`missing:` lists the missing code {code}, which is {clash}: it would turn "
            "those answers missing",
            file=codebook.source,
            column=column.name,
            hint="remove it from `missing:`; if the export's own code means something else, "
            'recode it, e.g. recode: {"6": -99} with missing: [-99]',
        )


def _check_groups(codebook: Codebook) -> None:
    in_group: dict[str, str] = {}
    for group in codebook.multi_select:
        if group.form not in ("split", "joined"):
            raise InputError(
                f"multi_select {group.name}: `form` is {group.form!r}, not split or joined",
                file=codebook.source,
            )
        if group.form == "joined" and not group.raw:
            raise InputError(
                f"multi_select {group.name}: a joined group needs `raw`", file=codebook.source
            )
        if group.form == "joined" and group.separator == "," and codebook.export.decimal == ",":
            raise InputError(
                f"multi_select {group.name}: a joined group separated by ',' in an export "
                'read with `export: {decimal: ","}` ("1,3" would be read as the number 1.3)',
                file=codebook.source,
                hint="set the group's `separator:` to what the export uses, e.g. ';'",
            )
        if group.none_ticked not in ("missing", "no"):
            raise InputError(
                f"multi_select {group.name}: `none_ticked` is {group.none_ticked!r}, "
                "not missing or no",
                file=codebook.source,
            )
        for member in group.members:
            column = codebook.columns.get(member)
            if column is None or column.type != "int" or set(column.codes) != {0, 1}:
                raise InputError(
                    f"multi_select {group.name}: member {member!r} is not a yes/no column "
                    "of the codebook (int, codes 1 and 0)",
                    file=codebook.source,
                    column=member,
                )
            if member in in_group:
                raise InputError(
                    f"multi_select: {member!r} is in groups {in_group[member]} and {group.name}",
                    file=codebook.source,
                    column=member,
                )
            in_group[member] = group.name
            if group.form == "split" and column.raw is None:
                raise InputError(
                    f"multi_select {group.name}: split member {member!r} needs its `raw` column",
                    file=codebook.source,
                    column=member,
                )
