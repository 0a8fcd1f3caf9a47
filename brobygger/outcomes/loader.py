"""Reading instrument files, checking them, and installing them as versions.

The format is described field by field in docs/instruments.md. Every problem in every
file is collected (file, where, what) before anything is written; then all files are
installed in one transaction. Loading the same content again changes nothing; changed
content always becomes a new version, so an existing version is never edited.

Also used by the data migration that installs the project's own instruments, with the
historical models passed in (so only plain ORM calls are used here).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .fileformat import Definition, InstrumentFileError, check

try:  # YAML is optional: PyYAML is not a dependency of Brobygger.
    import yaml
except ImportError:  # pragma: no cover - depends on the installation
    yaml = None  # type: ignore[assignment]

__all__ = [
    "CONTENT_FIELDS",
    "Definition",
    "InstrumentFileError",
    "Loaded",
    "install",
    "install_shipped",
    "load_files",
    "parse_file",
    "parse_files",
    "parse_text",
]

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
SHIPPED_FILES = ("oplevelse-af-peerstoette.json", "tjek-efter-samtale.json")

# The fields of an InstrumentVersion that make up its content (compared on reload).
CONTENT_FIELDS = (
    "items",
    "scale",
    "rule",
    "recall_da",
    "recall_en",
    "languages",
    "licence_note",
    "copyright",
    "may_ship",
    "validated",
)


@dataclass(frozen=True)
class Loaded:
    key: str
    version: int
    # "created" (new instrument), "new_version" or "unchanged".
    action: str
    names_changed: bool
    source: str


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _DuplicateKey(name)
        result[name] = value
    return result


class _DuplicateKey(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def parse_text(text: str, source: str, *, yaml_syntax: bool = False) -> Definition:
    """Parse and check the text of one file (JSON, or YAML when `yaml_syntax`)."""
    if yaml_syntax:
        if yaml is None:
            raise InstrumentFileError(
                [
                    f"{source}: "
                    + _("YAML files need PyYAML, which is not installed here; use JSON instead")
                ]
            )
        try:
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
            raise InstrumentFileError(
                [f"{source}{line}: " + _("not valid YAML: %(error)s") % {"error": exc.problem}]
            ) from exc
        except yaml.YAMLError as exc:
            raise InstrumentFileError(
                [f"{source}: " + _("not valid YAML: %(error)s") % {"error": exc}]
            ) from exc
    else:
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as exc:
            raise InstrumentFileError(
                [
                    f"{source} line {exc.lineno} column {exc.colno}: "
                    + _("not valid JSON: %(error)s") % {"error": exc.msg}
                ]
            ) from exc
        except _DuplicateKey as exc:
            raise InstrumentFileError(
                [
                    f"{source}: "
                    + _("the field “%(field)s” appears twice in the same object")
                    % {"field": exc.name}
                ]
            ) from exc
    return check(data, source)


def parse_file(path: Path | str) -> Definition:
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise InstrumentFileError(
            [f"{source}: " + _("the file name must end in .json, .yaml or .yml")]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InstrumentFileError([f"{source}: " + _("no such file")]) from exc
    except UnicodeDecodeError as exc:
        raise InstrumentFileError([f"{source}: " + _("the file is not UTF-8 text")]) from exc
    except OSError as exc:
        raise InstrumentFileError(
            [f"{source}: " + _("cannot be read: %(error)s") % {"error": exc.strerror}]
        ) from exc
    return parse_text(text, source, yaml_syntax=suffix != ".json")


def parse_files(paths: Iterable[Path | str]) -> list[Definition]:
    """Check every file; raise InstrumentFileError with the problems of all of them."""
    definitions: list[Definition] = []
    errors: list[str] = []
    first_source: dict[str, str] = {}
    for path in paths:
        try:
            definition = parse_file(path)
        except InstrumentFileError as exc:
            errors.extend(exc.errors)
            continue
        if definition.key in first_source:
            errors.append(
                f"{definition.source}: key: "
                + _("instrument “%(key)s” is also in %(other)s")
                % {"key": definition.key, "other": first_source[definition.key]}
            )
            continue
        first_source[definition.key] = definition.source
        definitions.append(definition)
    if errors:
        raise InstrumentFileError(errors)
    return definitions


def install(
    definitions: Sequence[Definition],
    *,
    actor: Any = None,
    instrument_model: Any = None,
    version_model: Any = None,
    audit: bool = True,
) -> list[Loaded]:
    """Install checked definitions in one transaction; existing versions are never changed."""
    if instrument_model is None or version_model is None:
        from .models import Instrument, InstrumentVersion

        instrument_model, version_model = Instrument, InstrumentVersion
    results: list[Loaded] = []
    with transaction.atomic():
        for definition in definitions:
            results.append(
                _install_one(
                    definition,
                    actor=actor,
                    instrument_model=instrument_model,
                    version_model=version_model,
                    audit=audit,
                )
            )
    return results


def _install_one(
    definition: Definition, *, actor: Any, instrument_model: Any, version_model: Any, audit: bool
) -> Loaded:
    instrument, created = instrument_model.objects.select_for_update().get_or_create(
        key=definition.key,
        defaults={"name_da": definition.name_da, "name_en": definition.name_en},
    )
    names_changed = (instrument.name_da, instrument.name_en) != (
        definition.name_da,
        definition.name_en,
    )
    if names_changed:
        instrument.name_da, instrument.name_en = definition.name_da, definition.name_en
        instrument.save(update_fields=["name_da", "name_en"])
    # An old data migration passes the model as it was then: write only the fields it has.
    has = {field.name for field in version_model._meta.get_fields()}
    content = {name: definition.content[name] for name in CONTENT_FIELDS if name in has}
    latest = version_model.objects.filter(instrument=instrument).order_by("-version").first()
    if latest is not None and all(getattr(latest, k) == v for k, v in content.items()):
        if names_changed and audit:
            _audit(actor, "instrument.renamed", instrument, {"key": definition.key})
        return Loaded(definition.key, latest.version, "unchanged", names_changed, definition.source)
    number = 1 if latest is None else latest.version + 1
    version = version_model.objects.create(
        instrument=instrument,
        version=number,
        loaded_from=definition.source[-300:],
        **content,
    )
    if audit:
        _audit(
            actor,
            "instrument.loaded",
            version,
            {"key": definition.key, "version": number, "file": Path(definition.source).name},
        )
    action = "created" if created else "new_version"
    return Loaded(definition.key, number, action, names_changed and not created, definition.source)


def _audit(actor: Any, verb: str, obj: Any, data: dict[str, Any]) -> None:
    from brobygger.audit.services import record_event

    record_event(actor=actor, verb=verb, obj=obj, data=data)


def load_files(paths: Iterable[Path | str], *, actor: Any = None) -> list[Loaded]:
    """Check all files, then install them all or, on any problem, nothing."""
    return install(parse_files(paths), actor=actor)


def install_shipped(
    *, instrument_model: Any = None, version_model: Any = None, audit: bool = True
) -> list[Loaded]:
    """Install the project's own instruments (idempotent); used by a data migration."""
    definitions = parse_files(SHIPPED_DIR / name for name in SHIPPED_FILES)
    shipped = [
        Definition(
            source=f"brobygger/outcomes/instruments/{Path(d.source).name}",
            key=d.key,
            name_da=d.name_da,
            name_en=d.name_en,
            content=d.content,
        )
        for d in definitions
    ]
    return install(
        shipped, instrument_model=instrument_model, version_model=version_model, audit=audit
    )
