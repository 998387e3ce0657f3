from django.contrib.auth import get_user_model
from django.utils.timezone import localtime

from pingan.core.api import token_create, token_revoke
from pingan.core.management.exit_codes import PinganCommand, refusal
from pingan.core.models import ApiToken

NO_USER = "refused: no such active user, or the name is refused (the reason on stderr); nothing written"


class Command(PinganCommand):
    help = (
        "API tokens for machines. `pingan token create USERNAME --name NAME` prints a new key "
        "once; `pingan token revoke ID`; `pingan token list [USERNAME]`."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = self.subcommand(actions, "create", done="done: the key on stdout, alone", refused=NO_USER,
                                 help="Create a token and print its key (only this once).")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="The machine or script that will use it.")
        revoke = self.subcommand(actions, "revoke", refused="refused: no such token",
                                 help="Refuse a token from now on.")
        revoke.add_argument("token_id", type=int)
        listing = self.subcommand(actions, "list", refused="refused: no such user",
                                  help="Tokens, newest first (never their keys).")
        listing.add_argument("username", nargs="?")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise refusal(f"No active user {username!r}.")
        token, key = token_create(user=user, name=name)
        # The key alone goes to stdout, so `KEY=$(pingan token create …)` captures it.
        self.stderr.write(f"Token {token.pk} “{token.name}” for {user.username}. "
                          "Store the key now: it is not kept and cannot be shown again.")
        self.stdout.write(key)

    def _revoke(self, *, token_id, **options):
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise refusal(f"No token {token_id}.")
        already = token.revoked_at is not None
        token_revoke(token=token)
        when = localtime(token.revoked_at).isoformat(timespec="seconds")
        verb = "was already revoked" if already else "revoked"
        self.stdout.write(f"Token {token.pk} “{token.name}” of {token.user.username} {verb} at {when}.")

    def _list(self, *, username, **options):
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
        if username:
            if not get_user_model().objects.filter(username=username).exists():
                raise refusal(f"No user {username!r}.")
            tokens = tokens.filter(user__username=username)
        for token in tokens:
            state = f"revoked {localtime(token.revoked_at):%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{localtime(token.last_used_at):%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(f"{token.pk}\t{token.user.username}\t{token.name}\t{state}\tlast used {used}")
