"""`ztc`: the operator's command (CONTRACT.md §2). Every command takes --json; failures print one line."""

import argparse
import datetime
import json
import os
import sys
import urllib.parse
from collections.abc import Callable
from typing import Any, NoReturn

from zhitongche.core.cliout import out as _out

CLI_ACTOR = "ztc 命令行"


class OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"错误：{message}（用法见 ztc {self.prog.split(' ', 1)[-1]} --help）\n".replace("ztc ztc", "ztc"))


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def cmd_migrate(args: argparse.Namespace) -> None:
    """Apply migrations."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0, stdout=StringIO())
    applied = [f"{m.app_label}.{m.name}" for m, _ in plan]
    _out(args, {"applied": applied}, f"已应用 {len(applied)} 个迁移。" if applied else "数据库已是最新。")


def cmd_demo(args: argparse.Namespace) -> None:
    """Load demo data."""
    from zhitongche.core import demo

    if args.if_empty and not demo.database_is_empty():
        _out(args, {"loaded": False, "logins": demo.LOGINS}, "数据库已有数据，跳过演示数据。\n" + demo.logins_text())
        return
    progress = None if args.json else (lambda msg: print(msg, flush=True))
    summary = demo.load(scale=args.scale, progress=progress)
    _out(args, {"loaded": True, "scale": args.scale, "summary": summary, "logins": demo.LOGINS},
         "演示数据已载入。\n" + demo.logins_text())


def cmd_serve(args: argparse.Namespace) -> None:
    """Serve the web app and API with gunicorn (several worker processes)."""
    from django.conf import settings
    from django.core.management import call_command

    from zhitongche.licenses import keys

    if not settings.DEBUG:
        call_command("collectstatic", interactive=False, verbosity=0)
    workers = args.workers or min(2 * (os.cpu_count() or 1) + 1, 8)
    argv = ["gunicorn", "config.wsgi:application", "--bind", f"{args.host}:{args.port}",
            "--workers", str(workers), "--access-logfile", "-", "--graceful-timeout", "10"]
    if args.json:
        print(json.dumps({"url": f"http://{args.host}:{args.port}", "workers": workers}))
    else:
        print(f"政企直通车 正在 http://{args.host}:{args.port} 提供服务（{workers} 个进程，Ctrl-C 停止）", flush=True)
        public = urllib.parse.urlsplit(str(settings.PUBLIC_BASE_URL))
        if public.hostname in {*keys.LOOPBACK, "localhost"} and public.port != args.port:
            # Licences, QR codes and the issuer's did:web are made from this address, not from --port.
            print(f"注意：ZTC_PUBLIC_BASE_URL 为 {settings.PUBLIC_BASE_URL}，与本次端口 {args.port} 不同；"
                  "证照链接、二维码和签发者 did:web 按前者生成，请设置该变量后再签发证照。", flush=True)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(gunicorn, argv)  # noqa: S606 — replaces this process so signals reach gunicorn directly


def cmd_worker(args: argparse.Namespace) -> None:
    """Drain background tasks (forever, or once with --batch)."""
    from django.core.management import call_command

    call_command("db_worker", queue_name="*", interval=args.interval, batch=args.batch, reload=False,
                 startup_delay=not args.batch, verbosity=0 if args.json else 1)
    _out(args, {"drained": True}, "任务队列已处理完毕。")


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from exc


def cmd_calendar_set(args: argparse.Namespace) -> None:
    """Enter a year's official holiday arrangement that the calendar library does not have yet."""
    from zhitongche.core.services import calendar_year_set

    entry = calendar_year_set(actor=CLI_ACTOR, year=args.year, source=args.source, holidays=args.holidays,
                              workdays=args.workdays)
    _out(args, {"year": entry.year, "holidays": len(args.holidays), "workdays": len(args.workdays)},
         f"已录入 {entry.year} 年法定节假日安排（放假 {len(args.holidays)} 天，调休上班 {len(args.workdays)} 天）")


def cmd_calendar_show(args: argparse.Namespace) -> None:
    """Show where a year's working days come from and its exceptions."""
    from zhitongche.core.calendar import library_covers
    from zhitongche.core.models import CalendarDay, CalendarYear

    entry = CalendarYear.objects.filter(year=args.year).first()
    days = [{"date": d.isoformat(), "working": w} for d, w in
            CalendarDay.objects.filter(year_id=args.year).values_list("date", "working")]
    source = "library" if library_covers(args.year) else ("entered" if entry else "missing")
    text = {"library": f"{args.year} 年：由日历库提供", "missing": f"{args.year} 年：尚无安排，期限计算将被拒绝",
            "entered": f"{args.year} 年：已录入（{entry.source if entry else ''}）"}[source]
    _out(args, {"year": args.year, "source": source, "days": days}, text)


def cmd_tasks_failed(args: argparse.Namespace) -> None:
    """List failed background tasks."""
    from zhitongche.core.tasks import failed_tasks

    rows = failed_tasks()
    _out(args, {"failed": rows}, "\n".join(f"{r['id']}  {r['task']}  {r['error']}" for r in rows) or "没有失败的任务。")


def cmd_tasks_retry(args: argparse.Namespace) -> None:
    """Enqueue a failed task again."""
    from zhitongche.core.tasks import task_retry

    new_id = task_retry(actor=CLI_ACTOR, result_id=args.id)
    _out(args, {"retried": args.id, "id": new_id}, f"已重新排队：{new_id}")


def cmd_user_add(args: argparse.Namespace) -> None:
    """Create a user."""
    from zhitongche.accounts.services import user_create

    user, password = user_create(actor=CLI_ACTOR, username=args.name, role=args.role, password=args.password,
                                 department=args.department, region=args.region, enterprise=args.enterprise,
                                 display_name=args.display_name or "")
    data = {"username": user.username, "role": user.role, "department": args.department,
            "region": user.region_id, "enterprise": args.enterprise}
    if not args.password:
        data["password"] = password
    text = f"已创建用户 {user.username}（{user.role_label}）"
    if not args.password:
        text += f"，初始密码：{password}"
    _out(args, data, text)


def cmd_token(args: argparse.Namespace) -> None:
    """Print a new API token for a user."""
    from zhitongche.accounts.services import token_create, user_by_name

    user = user_by_name(args.name)
    token, raw = token_create(actor=CLI_ACTOR, user=user, name=args.label or "ztc token")
    if args.json:
        print(json.dumps({"username": user.username, "token": raw, "id": token.pk}))
    else:
        print(raw)


def cmd_department_add(args: argparse.Namespace) -> None:
    """Create or update a department."""
    from zhitongche.regions.services import department_upsert

    dept, created = department_upsert(actor=CLI_ACTOR, code=args.code, name=args.name, kind=args.kind,
                                      region=args.region, responsible=args.responsible, duties=args.duties)
    _out(args, {"code": dept.code, "name": dept.name, "kind": dept.kind, "region": dept.region_id,
                "responsible": dept.responsible_categories, "created": created},
         f"{'已创建' if created else '已更新'}部门 {dept.code} {dept.name}")


def cmd_import(args: argparse.Namespace) -> None:
    """Import a template file as a user; prints the import report (CONTRACT.md §4)."""
    from zhitongche.accounts.services import user_by_name
    from zhitongche.core.errors import DomainError, InvalidInput
    from zhitongche.imports.services import import_create, import_run

    if not os.path.isfile(args.file):
        raise InvalidInput(f"文件不存在：{args.file}", code="no_such_file")
    user = user_by_name(args.as_user)
    job = import_create(actor=user, kind=args.kind, file=args.file, file_name=os.path.basename(args.file),
                        dry_run=args.dry_run)
    job = import_run(job_id=job.pk)
    report = job.as_report()
    lines = [f"导入 #{job.pk}（{job.kind}{'，仅校验' if job.dry_run else ''}）：{job.get_status_display()}",
             f"数据行 {job.total}，新增 {job.created}，更新 {job.updated}，拒绝 {job.rejected}"]
    lines += [f"  第 {e['row']} 行 {e['column']}：{e['message']}（{e['code']}）" for e in report["errors"][:200]]
    if len(report["errors"]) > 200:
        lines.append(f"  ……另有 {len(report['errors']) - 200} 条错误（--json 输出全部）")
    _out(args, report, "\n".join(lines))
    if job.status == "failed":
        first = report["errors"][0] if report["errors"] else {"message": "导入失败", "code": "import_failed"}
        raise DomainError(first["code"], first["message"])


def cmd_appeals_sweep(args: argparse.Namespace) -> None:
    """Run the appeals deadline sweep now (or queue it for `ztc worker` with --enqueue)."""
    if args.enqueue:
        from zhitongche.appeals.tasks import sweep_deadlines_task

        result = sweep_deadlines_task.enqueue()
        _out(args, {"enqueued": str(result.id)}, f"已排队期限巡检任务：{result.id}")
        return
    from zhitongche.appeals.services import sweep_deadlines

    counts = sweep_deadlines()
    _out(args, counts, f"期限巡检完成：新超期 {counts['overdue']} 件，80% 提醒 {counts['remind_80']} 件，"
                       f"到期提醒 {counts['remind_due']} 件")


def cmd_catalog_reindex(args: argparse.Namespace) -> None:
    """Rebuild the catalogue's search index (after changing the synonym table or the dictionary)."""
    from zhitongche.catalog.services import reindex_now

    result = reindex_now(actor=CLI_ACTOR)
    _out(args, result, f"搜索索引已重建：事项 {result['items']}，指南 {result['guides']}，场景 {result['scenarios']}，"
                       f"用时 {result['seconds']} 秒")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    common = OneLineParser(add_help=False)
    common.add_argument("--json", action="store_true", help="输出机器可读的 JSON")
    parser = OneLineParser(prog="ztc", description="政企直通车 运维命令", parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def add(name: str, func: Callable[[argparse.Namespace], None], help_text: str,
            parent: Any = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, parents=[common])
        p.set_defaults(func=func)
        return p

    add("migrate", cmd_migrate, "应用数据库迁移")
    p = add("demo", cmd_demo, "载入演示数据")
    p.add_argument("--scale", choices=["small", "anshan"], default="small")
    p.add_argument("--if-empty", action="store_true", help="仅当数据库为空时载入")
    p = add("serve", cmd_serve, "启动 Web 与 API 服务")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--workers", type=int, default=0)
    p = add("worker", cmd_worker, "处理后台任务")
    p.add_argument("--batch", action="store_true", help="处理完现有任务后退出")
    p.add_argument("--interval", type=float, default=1.0)

    cal = sub.add_parser("calendar", help="法定节假日安排", parents=[common])
    cal_sub = cal.add_subparsers(dest="calendar_command", required=True, parser_class=OneLineParser)
    p = add("set", cmd_calendar_set, "录入日历库尚未收录年份的节假日安排", cal_sub)
    p.add_argument("year", type=int)
    p.add_argument("--source", required=True, help="依据，如国务院办公厅通知的标题")
    p.add_argument("--holidays", nargs="*", type=_date, default=[], metavar="YYYY-MM-DD")
    p.add_argument("--workdays", nargs="*", type=_date, default=[], metavar="YYYY-MM-DD")
    p = add("show", cmd_calendar_show, "查看某年工作日来源", cal_sub)
    p.add_argument("year", type=int)

    tasks = sub.add_parser("tasks", help="后台任务", parents=[common])
    tasks_sub = tasks.add_subparsers(dest="tasks_command", required=True, parser_class=OneLineParser)
    add("failed", cmd_tasks_failed, "列出失败的任务", tasks_sub)
    p = add("retry", cmd_tasks_retry, "重试失败的任务", tasks_sub)
    p.add_argument("id")

    user = sub.add_parser("user", help="用户管理", parents=[common])
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=OneLineParser)
    p = add("add", cmd_user_add, "新建用户", user_sub)
    p.add_argument("name")
    p.add_argument("--role", required=True)
    p.add_argument("--department")
    p.add_argument("--region")
    p.add_argument("--enterprise")
    p.add_argument("--password")
    p.add_argument("--display-name")

    p = add("token", cmd_token, "为用户生成 API 令牌")
    p.add_argument("name")
    p.add_argument("--label", help="令牌用途")

    p = add("import", cmd_import, "导入模板文件并输出导入报告")
    p.add_argument("kind", help="模板类型：enterprises、stewards、service_items、guides …")
    p.add_argument("file")
    p.add_argument("--as", dest="as_user", required=True, metavar="USER", help="以该用户身份导入")
    p.add_argument("--dry-run", action="store_true", help="只校验，不写入")

    dept = sub.add_parser("department", help="部门管理", parents=[common])
    dept_sub = dept.add_subparsers(dest="department_command", required=True, parser_class=OneLineParser)
    p = add("add", cmd_department_add, "新建或更新部门", dept_sub)
    p.add_argument("code")
    p.add_argument("name")
    p.add_argument("--kind", required=True, choices=["city", "district", "zone"])
    p.add_argument("--region")
    p.add_argument("--responsible", nargs="*", metavar="CATEGORY")
    p.add_argument("--duties")

    appeals = sub.add_parser("appeals", help="诉求闭环", parents=[common])
    appeals_sub = appeals.add_subparsers(dest="appeals_command", required=True, parser_class=OneLineParser)
    p = add("sweep", cmd_appeals_sweep, "期限巡检：标记超期、发送 80% 与到期提醒（供 cron 定时调用）", appeals_sub)
    p.add_argument("--enqueue", action="store_true", help="放入任务队列由 ztc worker 执行")

    catalog = sub.add_parser("catalog", help="政务服务事项与办事指南", parents=[common])
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True, parser_class=OneLineParser)
    add("reindex", cmd_catalog_reindex, "重建办事指南搜索索引", catalog_sub)

    from zhitongche.licenses.commands import add_commands as add_license_commands

    add_license_commands(sub, add, OneLineParser, common)
    from zhitongche.assessment.commands import add_commands as add_assessment_commands

    add_assessment_commands(sub, add, OneLineParser, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; domain errors become one line on stderr and exit status 1."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argument errors and --help: argparse has already printed
        return int(exc.code or 0)
    try:
        _setup_django()
        from zhitongche.core.errors import DomainError

        try:
            args.func(args)
        except DomainError as exc:
            print(f"错误：{exc.message}（{exc.code}）", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one line for operators; the traceback would be noise in scripts
        print(f"错误：{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        return 1
    return 0
