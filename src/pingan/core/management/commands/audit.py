import sys

from tqdm import tqdm

from pingan.core.events import ChainBreak, verify_chains
from pingan.core.management.exit_codes import PinganCommand, refusal
from pingan.core.models import Event


class Command(PinganCommand):
    help = "Audit the event log. `pingan audit verify` recomputes every hash chain."
    done = "every hash chain intact"
    refused_help = "a chain is broken: each break on stderr"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, action, no_progress, **options):
        total = Event.objects.count()
        breaks: list[ChainBreak] = []
        # tqdm redraws with carriage returns: it needs the real stream, not the command's
        # OutputWrapper, which would end every redraw with a newline.
        with tqdm(total=total, unit="event", disable=no_progress, file=sys.stderr) as bar:
            seen = 0
            for item in verify_chains():
                if isinstance(item, ChainBreak):
                    breaks.append(item)
                else:
                    bar.update(item - seen)
                    seen = item
        if breaks:
            for b in breaks:
                where = f"event id {b.event_id} (case {b.case_ref}, #{b.seq})" if b.event_id \
                    else f"case {b.case_ref}"
                self.stderr.write(f"TAMPERED: {where}: {b.reason}")
            raise refusal(f"{len(breaks)} broken chain(s); first: event id {breaks[0].event_id}")
        self.stdout.write(f"OK: {total} events, every hash chain intact.")
