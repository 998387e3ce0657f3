"""Fixtures of the supervision tests: the people around a task and a task to work on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.core.models import Domain, RoleName, Unit, UnitKind
from pingan.demo.district import demo_login, demo_role, leader_in_charge
from pingan.supervision import services


@pytest.fixture
def police(district) -> Unit:
    return Unit.objects.get(kind=UnitKind.DEPARTMENT, name="公安分局")


@pytest.fixture
def fraud_officer(police):
    """A 公安分局 officer of the fraud domain: the bureau leads tasks of the supervision domain."""
    user = demo_login("police_fraud", "公安分局 反诈民警 孙立")
    demo_role(user, police, RoleName.HANDLER, "反诈民警", Domain.FRAUD)
    return user


@pytest.fixture
def leader(district):
    """The deputy district head in charge of supervision: answers for tasks, verifies them."""
    return leader_in_charge("supervision_chief", "副区长 吴强", district, Domain.SUPERVISION,
                            "副区长（分管督查）")


@pytest.fixture
def co_handler(district):
    """A handler at 应急管理局 (of the hazards domain): a co-handling unit's person."""
    user = demo_login("emergency", "应急管理局 刘洋")
    demo_role(user, Unit.objects.get(name="应急管理局"), RoleName.HANDLER, "科员", Domain.HAZARDS)
    return user


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def make_task(personas, hangbu, police, leader, today):
    """A catch-up task for 航埠镇 led by 公安分局, two milestones, through the service."""

    def make(**overrides):
        fields = {
            "actor": personas.admin, "title": "电诈损失率追赶", "unit": hangbu, "lead": police,
            "deadline": today + dt.timedelta(days=60),
            "milestones": [("摸排重点人群", today + dt.timedelta(days=10)),
                           ("开展集中宣传", today + dt.timedelta(days=30))],
            "goal": "每万人损失降至 20 万元以下", "responsible_leader": leader,
        }
        fields.update(overrides)
        return services.task_create(**fields)

    return make
