"""No English in the Chinese interface: every message of the project's catalogue has its
zh-Hans translation, every translatable string of the code is in the catalogue, and every
model and field the admin site shows has a name that is translated at all.

The extraction runs Django's own ``makemessages`` (GNU xgettext) over a copy of the package,
so the real catalogue is never rewritten."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils.functional import Promise

import pingan

PACKAGE = Path(pingan.__file__).parent
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _name(entry: polib.POEntry) -> str:
    where = f" ({entry.occurrences[0][0]}:{entry.occurrences[0][1]})" if entry.occurrences else ""
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r}{where}"


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def test_every_message_of_the_catalogue_is_translated():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [_name(e) for e in catalogue if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert not untranslated, (
        f"{len(untranslated)} message(s) of {CATALOGUE.name} have no zh-Hans translation (empty or "
        "fuzzy):\n" + "\n".join(untranslated)
    )


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """The project's translatable strings as ``makemessages`` finds them, in a copy of the
    package with no catalogue of its own."""
    root = tmp_path_factory.mktemp("extract")
    source = root / "pingan"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns(
        "locale", "tests", "static", "__pycache__", "conftest.py", "testing.py"))
    locale = root / "locale"
    locale.mkdir()
    with override_settings(LOCALE_PATHS=[str(locale)]), pytest.MonkeyPatch.context() as patch:
        patch.chdir(source)
        call_command("makemessages", locale=["zh_Hans"], keep_pot=True, verbosity=0)
    return polib.pofile(str(locale / "django.pot"))


def test_every_translatable_string_is_in_the_catalogue(extracted):
    catalogue = {_key(e) for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    missing = [_name(e) for e in extracted if _key(e) not in catalogue]
    assert len(extracted) > 1000  # the extraction found the project's strings at all
    assert not missing, (
        f"{len(missing)} translatable string(s) are missing from {CATALOGUE.name}: add each, with "
        "its zh-Hans translation, at the end of the catalogue:\n" + "\n".join(missing)
    )


def test_every_model_and_field_has_a_translated_name():
    """A name Django makes up from the class or field (``Api tokens``, ``seq``) is English
    whatever the language: every model and field of the project's apps names itself."""
    unnamed = []
    for model in apps.get_models():
        if not model.__module__.startswith("pingan."):
            continue
        meta = model._meta
        for attribute in ("verbose_name", "verbose_name_plural"):
            if not isinstance(getattr(meta, attribute), Promise):
                unnamed.append(f"{meta.label}.Meta.{attribute}")
        for field in meta.get_fields(include_parents=False):
            if field.concrete and not field.auto_created and not isinstance(field.verbose_name, Promise):
                unnamed.append(f"{meta.label}.{field.name}")
    assert not unnamed, "Give these a verbose_name wrapped for translation:\n" + "\n".join(unnamed)
