import datetime as dt

from pingan.core.management.ledger_commands import IMPORT_REFUSED, LedgerCommand, add_import_arguments
from pingan.suggestions.cli_export import add_export_parser, run_export
from pingan.suggestions.ledger import import_suggestions


class Command(LedgerCommand):
    help = ("Deputies' suggestions and members' proposals: `pingan suggestions import FILE --user NAME` "
            "loads a session's list (建议/提案清单); `pingan suggestions export --out FILE.xlsx` writes the "
            "boards.")
    ledger_import = staticmethod(import_suggestions)
    import_options = ("session", "opened_on")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = self.subcommand(
            actions, "import", refused=IMPORT_REFUSED,
            help="Import a session's list of suggestions or proposals (.xlsx, or .csv).",
            description=(
                "Each row is registered (会议, 编号, 标题, 提出人, 代表团, 内容, 分类, 重点, "
                "领衔督办领导) and, when it names its 主办单位 (and 协办单位), assigned at its 交办日期 or "
                "now, through the same checks as the web. Every bad row is reported and then nothing is "
                "written; rows already registered (the same session and number) are left as they are. "
                "Only the office that assigns suggestions imports."
            ),
        )
        add_import_arguments(load, refused="anyone but the assigning office is refused.")
        load.add_argument("--session", metavar="NAME", help="The session of every row of a file without a "
                                                            "会议 column, e.g. 市八届人大一次会议.")
        load.add_argument("--opened", dest="opened_on", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                          help="The opening day of a session not yet in Pingan (a 开幕日期 column wins).")
        add_export_parser(actions)

    def handle(self, *args, action, **options):
        if action == "export":
            run_export(options, self.stdout)
        else:
            self.load(**options)
