"""`ztc assessment compute` and `ztc assessment simulate`."""

import json

from zhitongche.assessment import db2020, services
from zhitongche.assessment.frameworks import LOCAL_CODE, load_frameworks
from zhitongche.assessment.models import IndicatorSystem, Result
from zhitongche.cli import main


def test_simulate_published_and_file(db, capsys, tmp_path):
    assert main(["assessment", "simulate", "CHN_Beij", "--published", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == db2020.simulate(db2020.published_raw("CHN_Beij"))
    bad = tmp_path / "raw.json"
    bad.write_text(json.dumps({**db2020.published_raw("CHN"), "dcp_time_days": -1}), encoding="utf-8")
    assert main(["assessment", "simulate", str(bad)]) == 1
    assert "不能为负数" in capsys.readouterr().err


def test_compute_as_a_user(make_user, capsys):
    load_frameworks()
    bureau = make_user("bureau", username="cli_bureau")
    make_user("leader", username="cli_leader")
    system = IndicatorSystem.objects.get(code=LOCAL_CODE)
    services.observation_set(actor=bureau, system=system, indicator="L03", unit="D210302", period="2026", value=80)
    assert main(["assessment", "compute", LOCAL_CODE, "2026", "--as", "cli_leader"]) == 1
    assert Result.objects.count() == 0
    assert main(["assessment", "compute", LOCAL_CODE, "2026", "--as", "cli_bureau", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["results"][0]["unit"] == "D210302" and out["results"][0]["rank"] == 1
