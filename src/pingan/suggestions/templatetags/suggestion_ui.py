"""What the navigation bar asks of suggestions."""

from __future__ import annotations

from typing import Any

from django import template

from pingan.suggestions import services

register = template.Library()


@register.simple_tag(takes_context=True)
def may_register_suggestions(context: template.Context) -> bool:
    """Whether the user registers suggestions (the assigning office): the bar offers the form."""
    user: Any = context.get("user")
    return bool(user and user.is_authenticated and services.may_register(user))
