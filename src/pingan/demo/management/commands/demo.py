from django.core.management import call_command
from django.db import transaction

from pingan.core.management.exit_codes import PinganCommand
from pingan.core.models import Unit
from pingan.demo.district import DEMO_PASSWORD, DISTRICT_CODE, build_district, build_personas
from pingan.demo.generator import DEFAULT_SEED, DemoContext
from pingan.demo.registry import DOMAIN_DEMOS

LOGINS = (
    ("admin", "区平安办管理员 (district admin)"),
    ("hangbu", "航埠镇 handler (town)"),
    ("grid", "航埠镇 grid worker"),
    ("fire", "消防救援大队 handler (department)"),
    ("shiliang", "石梁镇 handler (another town)"),
    ("xinfang", "信访局 clerk (registers and routes petitions, calls petitioners back)"),
    ("jiwei", "区纪委监委 petition office (accusations)"),
    ("fanzha", "公安分局反诈中心 officer (fraud cases and rings)"),
    ("fuquzhang", "副区长 (answers for the catch-up tasks, verifies them)"),
    ("fagai", "发改局 liaison (leads catch-up tasks on investment and projects)"),
    ("renda", "区政府办 office of suggestions and proposals (registers, assigns, rates)"),
    ("jiaotong", "交通运输局 liaison (leads suggestions and proposals on transport)"),
)


class Command(PinganCommand):
    help = ("Create the database, load the demo district (柯城区) with a year of hazards, "
            "petitions, reception days, fraud cases, warning orders and supervised tasks, and the "
            "suggestions and proposals of its 2022 sessions, and serve it with its background worker.")
    done = "done (with --no-serve; else the web server's own codes once it runs)"
    refused_help = "refused: the demo could not be loaded (the reason on stderr); nothing written"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Only prepare the database.")
        for demo in DOMAIN_DEMOS:
            parser.add_argument(f"--{demo.name}", type=int, default=demo.default_count, help=demo.count_help)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, no_serve, seed, bind, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if Unit.objects.filter(prefix=DISTRICT_CODE).exists():
            self.stdout.write("The demo district is already loaded.")
        else:
            # One transaction: a load that fails halfway leaves no half-built year behind.
            with transaction.atomic():
                build_district()
                ctx = DemoContext.ending(personas=build_personas(), seed=seed, stderr=self.stderr)
                for demo in DOMAIN_DEMOS:
                    self.stderr.write(str(demo.generate(ctx, options[demo.name])))
        build_personas()
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, who in LOGINS:
            self.stdout.write(f"  {username:<10} {who}")
        if not no_serve:
            call_command("serve", bind=bind, with_worker=True)
