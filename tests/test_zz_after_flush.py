"""Runs after the transactional browser tests in the same process: migrated reference data must survive."""

from zhitongche.regions.models import Division


def test_divisions_survive_transactional_tests(db):
    assert Division.objects.filter(level="village").count() > 1000
