"""The appeals module feeds the assessment's computed satisfaction indicator."""

from django.utils import timezone

from zhitongche.appeals import services
from zhitongche.appeals.models import Stage
from zhitongche.assessment.computed import compute
from zhitongche.regions.models import Department

from .fixtures import appeal_at, world  # noqa: F401 — the fixture


def test_satisfaction_indicator_per_department_and_district(world):  # noqa: F811
    appeal_at(world, Stage.CLOSED)  # rated "satisfied"
    unhappy = appeal_at(world, Stage.REVISITED)
    services.appeal_evaluate(actor=world.enterprise_user, appeal_id=unhappy.pk, rating="dissatisfied")
    appeal_at(world, Stage.REPLIED)  # not rated: must not count
    year = str(timezone.localdate().year)
    assert compute("appeal_satisfaction", Department.objects.get(code="RSJ"), year) == 50.0
    assert compute("appeal_satisfaction", Department.objects.get(code="D210302"), year) == 50.0
    assert compute("appeal_satisfaction", Department.objects.get(code="D210303"), year) is None  # no data, not 0
    assert compute("appeal_satisfaction", Department.objects.get(code="ZJJ"), year) is None
    assert compute("appeal_satisfaction", Department.objects.get(code="RSJ"), str(int(year) - 1)) is None
