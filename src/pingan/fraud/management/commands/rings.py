import sys
from functools import partial

from django.utils.translation import gettext as _
from tqdm import tqdm

from pingan.core.management.exit_codes import PinganCommand
from pingan.fraud.services import rings_recompute
from pingan.fraud.tasks import recompute_rings


class Command(PinganCommand):
    help = ("Telecom fraud rings (串并案) in the database: link every recorded case again and write the "
            "rings, keeping each ring whose membership is unchanged.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        recompute = self.subcommand(
            actions, "recompute", done="done: the rings written (or the recompute queued)",
            refused="refused: the rings could not be written (the reason on stderr); nothing written",
            help="Recompute every ring now, with a progress bar (or queue it: --enqueue).",
            description=(
                "Streams every fraud case and identifier link into the ring engine and writes the rings in "
                "one transaction. New cases join their rings as they are recorded; a full recompute repairs "
                "anything else and applies a changed stoplist or degree threshold "
                "(PINGAN_FRAUD_IDENTIFIER_STOPLIST, PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE)."
            ),
        )
        recompute.add_argument("--enqueue", action="store_true",
                               help="Queue it for `pingan worker` instead of running it here.")
        recompute.add_argument("--no-progress", action="store_true")

    def handle(self, *args, action, enqueue, no_progress, **options):
        if enqueue:
            result = recompute_rings.enqueue()
            self.stdout.write(_("Queued as task {id}: `pingan worker` will run it.").format(id=result.id))
            return
        # Progress goes to the process's stderr: tqdm redraws its line with carriage returns,
        # which Django's output wrapper would end with newlines.
        progress = partial(tqdm, file=sys.stderr, disable=no_progress, dynamic_ncols=True, leave=False)
        report = rings_recompute(progress=progress)
        self.stdout.write(_(
            "{cases} cases, {links} identifier links → {rings} rings ({major} major); {left_out} "
            "identifiers left out. {created} rings new, {updated} changed, {removed} gone; {moved} cases "
            "moved. {seconds:.1f} s."
        ).format(cases=report.cases, links=report.links, rings=report.rings, major=report.major,
                 left_out=report.left_out, created=report.created, updated=report.updated,
                 removed=report.removed, moved=report.cases_moved, seconds=report.seconds))
