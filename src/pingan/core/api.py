"""The REST API's shared parts: authentication, the error format, cursor pagination, and the
core's own routers (units, API tokens, the deadline calculator). Each domain app keeps its router in its own
``api.py``; ``pingan.api_urls`` assembles them under ``/api/v1``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status as HttpStatus
from ninja.security import HttpBearer, SessionAuth
from pydantic import ValidationError as PydanticValidationError
from pydantic import field_validator

from pingan.core import errors
from pingan.core.calculator import Calculation, calculate, profile_names
from pingan.core.models import ApiToken, AttachmentKind, Unit, UnitKind
from pingan.core.pagination import InvalidParameter, keyset_page
from pingan.core.scoping import scope_for
from pingan.core.users import User

T = TypeVar("T")

MSG_UNAUTHENTICATED = _("Sign in, or send a valid API token as “Authorization: Bearer <key>”.")
MSG_CSRF = _("The CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.")
MSG_FORBIDDEN = _("You may not do this.")
MSG_NO_SUCH_UNIT = _("No unit has the code “{code}”.")
MSG_NO_SUCH_USER = _("No active user is called “{username}”.")
MSG_INVALID_INPUT = _("Some of the input is not valid.")
MSG_LIMIT_TOO_HIGH = _("At most {maximum} items fit on one page.")
MSG_TOKEN_NAME_REQUIRED = _("Name the token after the machine or script that will use it.")
MSG_TOKEN_FROM_SESSION = _(
    "Tokens are created from a signed-in browser session or with `pingan token create`, "
    "not with another token."
)

# A bearer token's last use is written at most this often, so a busy machine costs one
# UPDATE a minute, not one per request.
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)
KEY_PREFIX = "pingan_"  # lets secret scanners recognise a leaked key


# ---------------------------------------------------------------------------
# The error format
# ---------------------------------------------------------------------------


# Every case schema's mark on a due date counted on the holidays of an unconfirmed year.
DUE_PROVISIONAL_DESCRIPTION = (
    "due_at was counted on the statutory holidays of a year whose State Council schedule is not "
    "confirmed: it is provisional, and counted again when that schedule is imported."
)


class UnitRef(Schema):
    """A unit as items name it: its code, and its name for people."""

    code: str
    name: str


def username_of(user: User) -> str | None:
    return user.username if user is not None else None


def user_named(username: str | None, *, field: str = "assignee") -> Any:
    """The active user called ``username`` (None for none given); an unknown name is a 422."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidParameter(MSG_NO_SUCH_USER.format(username=username), field=field)
    return user


def unit_coded(code: str | None, *, field: str) -> Unit | None:
    """The unit with ``code`` (None for none given); an unknown code is a 422 on ``field``."""
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise InvalidParameter(MSG_NO_SUCH_UNIT.format(code=code), field=field)
    return unit


class TransitionOut(Schema):
    """A step the reader may take now."""

    name: str
    label: str


class EventOut(Schema):
    """One entry of a case's timeline, with its place in the hash chain."""

    seq: int
    at: dt.datetime
    actor: str | None
    type: str
    transition: str
    from_status: str
    to_status: str
    before: dict
    after: dict
    note: str
    hash: str
    attachments: list[int] = Field(description="Ids of the files stored with this event.")

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return username_of(obj.actor)

    @staticmethod
    def resolve_attachments(obj: Any) -> list[int]:
        return [a.id for a in obj.attachments.all()]


class FieldError(Schema):
    field: str | None = None
    message: str
    type: str | None = None


class ErrorOut(Schema):
    code: str = Field(description="Stable, for programs: not_found, stale_edit, validation_error…")
    message: str = Field(description="For people, in the request's language.")
    field: str | None = None
    errors: list[FieldError] | None = None


# Documented on every operation; the handlers below produce them.
ERRORS: dict[frozenset[int], type[Schema]] = {frozenset({400, 401, 403, 404, 409, 422}): ErrorOut}

_CODE_BY_STATUS = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                   405: "method_not_allowed", 409: "conflict", 422: "validation_error",
                   429: "throttled"}


def _error(api: NinjaAPI, request: HttpRequest, *, status: int, code: str, message: Any,
           field: str | None = None, field_errors: list[dict] | None = None) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    if field_errors:
        body["errors"] = field_errors
    return api.create_response(request, body, status=status)


# Handlers name their schema parameters so; the names never reach a client's request.
SCHEMA_PARAMETERS = frozenset({"payload", "filters", "page"})


def _loc_to_field(loc: Sequence[Any]) -> str | None:
    # ninja reports ("body", "payload", "title") or ("query", "filters", "status", 0): the
    # client knows the field as "title" or "status".
    parts = [str(p) for p in loc[1:] if not isinstance(p, int)]
    if parts and parts[0] in SCHEMA_PARAMETERS:
        parts = parts[1:]
    return ".".join(parts) or None


def _validation_response(api: NinjaAPI, request: HttpRequest,
                         field_errors: list[dict]) -> HttpResponse:
    first = field_errors[0]["field"] if field_errors else None
    return _error(api, request, status=422, code="validation_error", message=MSG_INVALID_INPUT,
                  field=first, field_errors=field_errors)


def install_error_handlers(api: NinjaAPI) -> None:
    """Every failure becomes ``{"code", "message", "field"?, "errors"?}`` with a stable code."""

    def domain_error(request: HttpRequest, exc: errors.DomainError) -> HttpResponse:
        return _error(api, request, status=exc.status, code=exc.code, message=exc.message,
                      field=exc.field)

    def ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return _validation_response(api, request, [
            {"field": _loc_to_field(e.get("loc", ())), "message": e.get("msg", ""),
             "type": e.get("type")}
            for e in exc.errors
        ])

    def pydantic_validation(request: HttpRequest, exc: PydanticValidationError) -> HttpResponse:
        return _validation_response(api, request, [
            {"field": ".".join(str(p) for p in e["loc"]) or None, "message": e["msg"],
             "type": e["type"]}
            for e in exc.errors(include_url=False)
        ])

    def django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        return _validation_response(api, request, [
            {"field": None if name in (None, "__all__") else name, "message": message,
             "type": None}
            for name, messages in by_field.items() for message in messages
        ])

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, status=404, code="not_found", message=errors.MSG_NOT_FOUND)

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(api, request, status=401, code="unauthenticated", message=MSG_UNAUTHENTICATED)

    def forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return _error(api, request, status=403, code="forbidden", message=MSG_FORBIDDEN)

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, status=exc.status_code,
                      code=_CODE_BY_STATUS.get(exc.status_code, "error"), message=exc.message)

    api.add_exception_handler(errors.DomainError, domain_error)
    api.add_exception_handler(NinjaValidationError, ninja_validation)
    api.add_exception_handler(PydanticValidationError, pydantic_validation)
    api.add_exception_handler(DjangoValidationError, django_validation)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(DjangoPermissionDenied, forbidden)
    api.add_exception_handler(HttpError, http_error)


# ---------------------------------------------------------------------------
# API tokens and authentication
# ---------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its key. Only the key's hash is stored: show it once."""
    name = name.strip()
    if not name:
        raise errors.DomainError(MSG_TOKEN_NAME_REQUIRED, field="name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], key_hash=hash_key(key))
    return token, key


def token_revoke(*, token: ApiToken) -> ApiToken:
    """Refuse the token from now on; the row stays, as a record of who had access."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(*, key: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The live token with this key, or None (unknown, revoked, or its user deactivated)."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = now or timezone.now()
    stale = now - TOKEN_TOUCH_INTERVAL
    if token.last_used_at is None or token.last_used_at <= stale:
        # Conditional, so concurrent requests in the same minute write it once.
        ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale),
                                pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class TokenAuth(HttpBearer):
    """Machines: ``Authorization: Bearer <key>``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(key=token)
        if api_token is None:
            # A wrong or revoked token is refused outright rather than left to the session:
            # the caller meant to use it and must hear that it failed.
            raise AuthenticationError()
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class SessionCsrfAuth(SessionAuth):
    """The browser: Django's session, with Django's CSRF check on unsafe methods."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # The CSRF check guards a session; without one there is nothing to guard, and the
        # caller should hear 401 (not "CSRF failed") when its token is missing.
        if not request.user.is_authenticated:
            return None
        try:
            return super()._get_key(request)
        except HttpError:
            raise errors.PermissionDenied(MSG_CSRF) from None


# ---------------------------------------------------------------------------
# Cursor (keyset) pagination
# ---------------------------------------------------------------------------


class PageParams(Schema):
    cursor: str | None = Field(None, description="The `next_cursor` of the previous page.")
    limit: int | None = Field(
        None, ge=1, description="Items per page (default PINGAN_API_PAGE_SIZE, at most "
                                "PINGAN_API_MAX_PAGE_SIZE).",
    )


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last.")


def page_limit(requested: int | None) -> int:
    maximum = settings.PINGAN_API_MAX_PAGE_SIZE
    if requested is None:
        return settings.PINGAN_API_PAGE_SIZE
    if requested > maximum:
        raise InvalidParameter(MSG_LIMIT_TOO_HIGH.format(maximum=maximum), field="limit")
    return requested


def paginate(queryset: QuerySet, *, ordering: Sequence[str], page: PageParams) -> dict[str, Any]:
    """The API's page: ``{"items": [...], "next_cursor": ...}``."""
    rows, next_cursor = keyset_page(queryset, ordering=ordering, cursor=page.cursor,
                                    limit=page_limit(page.limit))
    return {"items": rows, "next_cursor": next_cursor}


def found(item: T | None) -> T:
    """An item from a selector that answers None both for "no such item" and "not yours"."""
    if item is None:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return item


def actor(request: HttpRequest) -> Any:
    """The user the request acts for, whichever way it authenticated."""
    return request.auth  # type: ignore[attr-defined]


class AttachmentOut(Schema):
    """A photo or document of a case (the file itself is served by the case's web page)."""

    id: int
    name: str = Field(description="The name it was uploaded with.")
    kind: AttachmentKind
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.original_name

    @staticmethod
    def resolve_uploaded_by(obj: Any) -> str:
        return obj.uploaded_by.username


class CountOut(Schema):
    count: int


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------

units_router = Router(tags=["units"])


class UnitOut(Schema):
    code: str
    prefix: str = Field(description="Every unit below starts with it: filter hazards by it.")
    name: str
    kind: UnitKind
    parent: str | None = Field(None, description="The parent unit's code.")
    population: int | None
    latitude: float | None
    longitude: float | None
    is_illustrative_code: bool

    @staticmethod
    def resolve_parent(obj: Unit) -> str | None:
        return obj.parent.code if obj.parent_id else None


class UnitFilters(Schema):
    parent: str | None = Field(None, description="Children of the unit with this code or prefix.")
    kind: UnitKind | None = None


def units_visible(*, user: User, filters: UnitFilters) -> QuerySet[Unit]:
    """The territorial units within the user's scope (the ones they may file and filter by)."""
    qs = Unit.objects.filter(scope_for(user).unit_q()).select_related("parent")
    if filters.parent:
        qs = qs.filter(Q(parent__code=filters.parent) | Q(parent__prefix=filters.parent))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs


@units_router.get("", response={200: Page[UnitOut], **ERRORS}, summary="Units within your scope")
def unit_list(request: HttpRequest, filters: Query[UnitFilters], page: Query[PageParams]):
    return paginate(units_visible(user=actor(request), filters=filters),
                    ordering=("prefix", "id"), page=page)


@units_router.get("/{code}", response={200: UnitOut, **ERRORS}, summary="One unit")
def unit_detail(request: HttpRequest, code: str):
    unit = units_visible(user=actor(request), filters=UnitFilters()).filter(code=code).first()
    if unit is None:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return unit


# ---------------------------------------------------------------------------
# The caller's own API tokens
# ---------------------------------------------------------------------------

tokens_router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    key: str = Field(description="Shown this once: only its SHA-256 is kept.")


class TokenIn(Schema):
    name: str = Field(max_length=100)


@tokens_router.get("", response={200: list[TokenOut], **ERRORS}, summary="Your API tokens")
def token_list(request: HttpRequest):
    return ApiToken.objects.filter(user=actor(request)).order_by("-created_at", "-id")


@tokens_router.post("", response={201: TokenCreated, **ERRORS}, summary="Create an API token")
def token_create_view(request: HttpRequest, payload: TokenIn):
    if getattr(request, "api_token", None) is not None:
        # A leaked key must not be able to mint more keys.
        raise errors.PermissionDenied(MSG_TOKEN_FROM_SESSION)
    token, key = token_create(user=actor(request), name=payload.name)
    token.key = key
    return HttpStatus(201, token)


@tokens_router.post("/{token_id}/revoke", response={200: TokenOut, **ERRORS},
                    summary="Revoke one of your API tokens")
def token_revoke_view(request: HttpRequest, token_id: int):
    token = ApiToken.objects.filter(user=actor(request), pk=token_id).first()
    if token is None:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return token_revoke(token=token)


# ---------------------------------------------------------------------------
# The deadline calculator (``core.calculator``): every domain's rules
# ---------------------------------------------------------------------------

deadline_router = Router(tags=["deadline calculator"])


class DeadlineQuery(Schema):
    rule: str = Field(description="A registered rule: resolution, extension, deputy_reply… "
                                  "(`pingan deadline --help` lists them).")
    start: dt.date = Field(description="The day the term counts from (itself not counted).")
    profile: str | None = Field(None, description="national or zhejiang: the petition rules' profile "
                                                  "(default: the one in force). The other rules do not "
                                                  "depend on it.")

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str | None) -> str | None:
        if value and value not in profile_names():
            raise ValueError(f"not a profile: choose one of {', '.join(profile_names())}")
        return value or None


class DayOut(Schema):
    day: dt.date
    kind: str = Field(description="working, make_up, rest or holiday")
    kind_label: str
    holiday: str
    counted: int | None = Field(description="The day's number in the count; null when skipped.")
    rolled: bool = Field(description="Passed over by the roll-forward off a rest day or holiday (for a "
                                     "term in months, also the day off the count ends on).")
    provisional: bool = Field(description="In a year with no confirmed holiday schedule: its kind is "
                                          "the statutory holidays' provisional stand-in.")


class DeadlineOut(Schema):
    profile: str | None = Field(description="The profile a petition rule was counted under; null for a "
                                            "rule that does not depend on one.")
    profile_label: str | None
    group_label: str = Field(description="The domain of the rule (信访, 建议提案).")
    rule: str
    rule_label: str
    start: dt.date
    start_label: str = Field(description="What the start date is.")
    parts: list[int] = Field(description="The terms added up, e.g. [30, 60] for the longest extension.")
    days: int = Field(description="The length of the term, in its unit.")
    day_type: str = Field(description="The unit: calendar (days), working (days) or months.")
    unit_label: str
    count_ends: dt.date = Field(description="Where the count itself ends, before any roll-forward.")
    rolled: bool
    due: dt.date
    sources: list[str]
    explained: list[DayOut]
    provisional: bool = Field(description="The due date was counted over a year whose holiday schedule "
                                          "is not confirmed: it may move when that schedule is imported.")
    provisional_years: list[int] = Field(description="Those years: their statutory holidays stood in, "
                                                     "with no make-up working days.")


def deadline_out(calculation: Calculation) -> dict[str, Any]:
    explanation = calculation.explanation
    return {
        "profile": calculation.profile or None, "profile_label": calculation.profile_label or None,
        "group_label": calculation.group_label,
        "rule": calculation.rule, "rule_label": calculation.rule_label,
        "start": calculation.start, "start_label": calculation.start_label,
        "parts": list(calculation.parts), "days": calculation.days, "day_type": calculation.unit,
        "unit_label": calculation.unit_label, "count_ends": explanation.count_ends,
        "rolled": explanation.rolled, "due": calculation.due, "sources": list(calculation.sources),
        "provisional": explanation.provisional, "provisional_years": list(explanation.provisional_years),
        "explained": [
            {"day": note.day, "kind": note.kind, "kind_label": note.kind_label,
             "holiday": note.holiday, "counted": note.counted, "rolled": note.rolled,
             "provisional": note.provisional}
            for note in explanation.days
        ],
    }


def deadline_answer(payload: DeadlineQuery) -> dict[str, Any]:
    return deadline_out(calculate(rule=payload.rule, start=payload.start, profile=payload.profile))


@deadline_router.get("", response={200: DeadlineOut, **ERRORS}, summary="The deadline calculator")
def deadline(request: HttpRequest, payload: Query[DeadlineQuery]):
    """The due date of a rule of any domain counted from a start date, with every holiday, rest
    day and make-up working day that decided it, so it can be checked by hand."""
    return deadline_answer(payload)


# ---------------------------------------------------------------------------
# The API object
# ---------------------------------------------------------------------------

API_DESCRIPTION = """
Pingan's REST API. Every list, detail and count shows only what your roles reach; an item
outside your scope answers 404 exactly like one that does not exist.

**Authentication.** Machines send `Authorization: Bearer <key>` (create a key with
`pingan token create USERNAME --name NAME`, or `POST /api/v1/tokens` from a signed-in
browser). Browsers use their session; unsafe methods then need the `X-CSRFToken` header.

**Errors** are `{"code", "message", "field"?, "errors"?}`; `code` is stable
(`unauthenticated`, `forbidden`, `not_found`, `validation_error`, `stale_edit`,
`transition_not_allowed`, `invalid`…), `message` is for people.

**Lists** page by cursor: pass the previous page's `next_cursor` as `cursor` until it is null.

**Edits** carry the `version` you read; if someone changed the item since, the answer is
409 `stale_edit` and nothing is saved.

**Photos** are uploaded with `POST /api/v1/hazards/{ref}/attachments` (multipart: `file`,
`kind` = before | after | document). Upload the after photos before the `submit` step.
"""


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Pingan API",
        version="1",
        description=API_DESCRIPTION,
        urls_namespace="api",
        docs_url="/docs",
        openapi_url="/openapi.json",
        auth=[TokenAuth(), SessionCsrfAuth(csrf=True)],
    )
    install_error_handlers(api)
    return api
