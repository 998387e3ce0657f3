from django.core.management import call_command
from django.db import transaction

from pingan.core.management.exit_codes import PinganCommand
from pingan.core.models import Unit
from pingan.demo.district import DEMO_PASSWORD, DISTRICT_CODE, build_district, build_personas
from pingan.demo.generate import generate_year
from pingan.demo.petitions import generate_petitions
from pingan.fraud.demo import demo_fraud, demo_warnings
from pingan.receptions.demo import demo_receptions

LOGINS = (
    ("admin", "区平安办管理员 (district admin)"),
    ("hangbu", "航埠镇 handler (town)"),
    ("grid", "航埠镇 grid worker"),
    ("fire", "消防救援大队 handler (department)"),
    ("shiliang", "石梁镇 handler (another town)"),
    ("xinfang", "信访局 clerk (registers and routes petitions, calls petitioners back)"),
    ("jiwei", "区纪委监委 petition office (accusations)"),
    ("fanzha", "公安分局反诈中心 officer (fraud cases and rings)"),
)


class Command(PinganCommand):
    help = ("Create the database, load the demo district (柯城区) with a year of hazards, "
            "petitions, reception days, fraud cases and warning orders, and serve it with its "
            "background worker.")
    done = "done (with --no-serve; else the web server's own codes once it runs)"
    refused_help = "refused: the demo could not be loaded (the reason on stderr); nothing written"

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Only prepare the database.")
        parser.add_argument("--hazards", type=int, default=3000, help="How many hazards to make.")
        parser.add_argument("--petitions", type=int, default=1500, help="About how many petitions to make.")
        parser.add_argument("--seed", type=int, default=20260425)
        parser.add_argument("--bind", default="127.0.0.1:8000")

    def handle(self, *args, no_serve, hazards, petitions, seed, bind, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if Unit.objects.filter(prefix=DISTRICT_CODE).exists():
            self.stdout.write("The demo district is already loaded.")
        else:
            # One transaction: a load that fails halfway leaves no half-built year behind.
            with transaction.atomic():
                build_district()
                personas = build_personas()
                generate_year(personas=personas, hazards=hazards, seed=seed, stderr=self.stderr)
                generate_petitions(personas=personas, count=petitions, seed=seed, stderr=self.stderr)
                demo_receptions(actor=personas.admin, seed=seed, visitor_days=45,
                                receiving_today=personas.town_handler.roles.get().unit)
                demo_fraud(personas=personas, seed=seed, stderr=self.stderr)
                demo_warnings(personas=personas, seed=seed, stderr=self.stderr)
        build_personas()
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for username, who in LOGINS:
            self.stdout.write(f"  {username:<10} {who}")
        if not no_serve:
            call_command("serve", bind=bind, with_worker=True)
