"""manage.py load_instrument FILE [FILE ...]: install questionnaires from files.

The format is in docs/instruments.md. All files are checked first; on any problem
nothing is loaded and the command exits with status 1.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from brobygger.outcomes.loader import InstrumentFileError, load_files, parse_files


class Command(BaseCommand):
    help = "Load questionnaire instruments from JSON (or YAML) files; see docs/instruments.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="instrument files (.json, .yaml, .yml)")
        parser.add_argument(
            "--check", action="store_true", help="only check the files; load nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[str] = options["files"]
        try:
            if options["check"]:
                definitions = parse_files(files)
                for definition in definitions:
                    count = len(definition.content["items"])
                    self.stdout.write(
                        ngettext(
                            "%(file)s: OK (%(key)s, %(count)d item)",
                            "%(file)s: OK (%(key)s, %(count)d items)",
                            count,
                        )
                        % {"file": definition.source, "key": definition.key, "count": count}
                    )
                return
            results = load_files(files)
        except InstrumentFileError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(
                ngettext(
                    "%(count)d problem found; nothing was loaded.",
                    "%(count)d problems found; nothing was loaded.",
                    len(exc.errors),
                )
                % {"count": len(exc.errors)}
            ) from exc
        for loaded in results:
            if loaded.action == "created":
                message = _("%(file)s: installed %(key)s version %(version)d")
            elif loaded.action == "new_version":
                message = _("%(file)s: %(key)s changed; installed version %(version)d")
            else:
                message = _("%(file)s: %(key)s unchanged (version %(version)d)")
            line = message % {"file": loaded.source, "key": loaded.key, "version": loaded.version}
            if loaded.names_changed:
                line += " " + _("(names updated)")
            self.stdout.write(line)
