"""Petition personas on top of the shared ones, and a petition factory.

    xinfang          信访局 handler: registers and routes petitions district-wide
    hangbu_head      航埠镇 supervisor: the unit head who approves an extension
    hangbu_viewer    航埠镇 viewer: may read, may not act
    discipline       区纪委监委 handler: receives the accusations
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from pingan.core.models import Role, RoleName, Unit, UnitKind
from pingan.petitions.services import petition_register

ID_NUMBER = "330802198001011238"  # a valid check digit
PHONE = "13812345678"


def _person(username: str, unit: Unit, role: str):
    user = get_user_model().objects.create_user(username=username, password="x", first_name=username)
    Role.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def xinfang(district):
    return _person("xinfang", Unit.objects.get(kind=UnitKind.DEPARTMENT, name="信访局"), RoleName.HANDLER)


@pytest.fixture
def hangbu_head(hangbu):
    return _person("hangbu_head", hangbu, RoleName.SUPERVISOR)


@pytest.fixture
def hangbu_viewer(hangbu):
    return _person("hangbu_viewer", hangbu, RoleName.VIEWER)


@pytest.fixture
def discipline(district):
    return _person("jiwei", Unit.objects.get(kind=UnitKind.DEPARTMENT, name="区纪委监委"), RoleName.HANDLER)


@pytest.fixture
def make_petition(xinfang, hangbu_village):
    """Register a complaint about land in a 航埠镇 village, as the 信访局 handler."""

    def make(**overrides):
        fields = {
            "actor": xinfang, "unit": hangbu_village, "channel": "visit",
            "petition_type": "complaint", "category": "land", "title": "征地补偿款未足额发放",
            "matter": "村民反映2025年征地补偿款少发。", "petitioner_name": "张三",
            "id_number": ID_NUMBER, "phone": PHONE, "address": "浙江省衢州市柯城区航埠镇缪村村12号",
        }
        fields.update(overrides)
        return petition_register(**fields)

    return make
