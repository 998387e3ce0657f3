from django.http import HttpRequest

from pingan.core.inbox import unread_for


def inbox(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": lambda: unread_for(user).count()}
