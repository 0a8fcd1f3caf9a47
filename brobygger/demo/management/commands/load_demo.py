from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brobygger.demo.builder import DemoBuilder
from brobygger.people.models import Person


class Command(BaseCommand):
    help = "Load the demo programme (a Region Sjælland-like peer programme) reproducibly."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply the programme's size (10 and 100 for benchmarks).",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when persons are already registered.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more.")
        if Person.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already holds data: demo not loaded again.")
                return
            raise CommandError("The database already holds data. Use a fresh database.")
        summary = DemoBuilder(scale=options["scale"], seed=options["seed"]).build()
        self.stdout.write(
            f"Demo programme loaded: {summary.units} units, {summary.peers} peer workers, "
            f"{summary.persons} persons, {summary.courses} courses."
        )
