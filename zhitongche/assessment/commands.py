"""`ztc assessment …`: compute a period's results as a user; simulate a DB2020 ranking from a JSON file."""

import argparse
import json
from collections.abc import Callable
from typing import Any

from zhitongche.core.cliout import out as _out


def cmd_compute(args: argparse.Namespace) -> None:
    """Score and rank every unit with observations in a period under a system's newest version."""
    from zhitongche.accounts.services import user_by_name

    from . import selectors, services

    user = user_by_name(args.as_user)
    system = selectors.system_get(user=user, code=args.system)
    results = services.compute_results(actor=user, system=system, period=args.period)
    rows = [{"unit": r.unit.code, "name": r.unit.name, "group": r.group, "score": round(r.score, 3),
             "rank": r.rank, "of": r.of} for r in sorted(results, key=lambda r: (r.group, r.rank))]
    lines = [f"{system.name} 第 {system.version} 版 {args.period}：{len(rows)} 个单位"]
    lines += [f"  {r['rank']:>3}/{r['of']:<3} {r['score']:>8.3f}  {r['name']}" for r in rows]
    _out(args, {"system": system.code, "version": system.version, "period": args.period, "results": rows},
         "\n".join(lines))


def cmd_simulate(args: argparse.Namespace) -> None:
    """CONTRACT §8 simulation of one economy's raw indicators read from a JSON file (or a published code)."""
    from zhitongche.core.errors import InvalidInput

    from . import db2020

    if args.published:
        try:
            raw = db2020.published_raw(args.source)
        except KeyError as exc:
            raise InvalidInput(f"没有已发布数据：{args.source}", code="unknown_economy") from exc
    else:
        try:
            with open(args.source, encoding="utf-8") as handle:
                raw = json.load(handle)
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"无法读取 JSON 文件：{args.source}", code="invalid_json") from exc
    try:
        result = db2020.simulate(raw)
    except db2020.RawInputError as exc:
        raise InvalidInput(exc.message, code=exc.code, details={"field": exc.field}) from exc
    lines = [f"总分 {result['score']:.3f}，第 {result['rank']} 名（共 {result['of']} 个经济体）"]
    lines += [f"  {db2020.TOPIC_LABELS[t]}：{result['topics'][t]:.3f}" for t in db2020.TOPICS]
    _out(args, result, "\n".join(lines))


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser], parser_class: type, common: Any) -> None:
    """Register `ztc assessment compute` and `ztc assessment simulate`."""
    group = sub.add_parser("assessment", help="监督考核", parents=[common])
    group_sub = group.add_subparsers(dest="assessment_command", required=True, parser_class=parser_class)
    p = add("compute", cmd_compute, "计算某考核期的得分和排名", group_sub)
    p.add_argument("system", help="指标体系代码，如 ASLOCAL")
    p.add_argument("period", help="考核期，如 2026、2026-H1")
    p.add_argument("--as", dest="as_user", required=True, metavar="USER", help="以该用户（市级营商局）身份计算")
    p = add("simulate", cmd_simulate, "营商环境2020模拟排名", group_sub)
    p.add_argument("source", help="原始指标 JSON 文件；加 --published 时为已发布的经济体代码，如 CHN_Beij")
    p.add_argument("--published", action="store_true")
