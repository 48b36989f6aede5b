"""`ztc license-type add` and `ztc keys list|rotate`: the handlers behind zhitongche/cli.py."""

from __future__ import annotations

import argparse
from typing import Any

from zhitongche.core.cliout import out as _out
from zhitongche.core.errors import InvalidInput

CLI_ACTOR = "ztc 命令行"


def _field_specs(required: list[str] | None, optional: list[str] | None) -> list[dict[str, Any]] | None:
    """--field KEY=标签 (required) and --optional-field KEY=标签 into the type's field list."""
    if not required and not optional:
        return None
    specs = []
    for text, is_required in [(t, True) for t in required or []] + [(t, False) for t in optional or []]:
        key, sep, label = text.partition("=")
        if not sep:
            raise InvalidInput(f"字段 {text} 须写成 KEY=中文名称", code="invalid_fields")
        specs.append({"key": key.strip(), "label": label.strip(), "required": is_required})
    return specs


def license_type_add(args: argparse.Namespace) -> None:
    """Create or update a licence type issued by a department."""
    from .services import license_type_upsert

    lt, created = license_type_upsert(
        actor=CLI_ACTOR, code=args.code, name=args.name, department=args.department, valid_years=args.valid_years,
        fields=_field_specs(args.field, args.optional_field), layout=args.layout, display_title=args.title,
    )
    _out(args, {"code": lt.code, "name": lt.name, "department": lt.department.code, "valid_years": lt.valid_years,
                "fields": lt.fields, "layout": lt.layout, "created": created},
         f"{'已创建' if created else '已更新'}证照类型 {lt.code} {lt.name}（{lt.department.name}，{lt.validity_label}）")


def keys_list(args: argparse.Namespace) -> None:
    """List the signing keys, active first."""
    from . import keys

    store = keys.keystore()
    rows = [{"key_id": k.key_id, "status": k.status, "created": k.created,
             "verification_method": keys.verification_method(k.key_id)} for k in store.list_keys()]
    text = "\n".join(f"{r['status']:8s} {r['created']}  {r['key_id']}" for r in rows) or "尚无密钥（首次签名时自动创建）。"
    _out(args, {"did": keys.issuer_did(), "keys": rows}, f"签发者 {keys.issuer_did()}\n{text}")


def keys_rotate(args: argparse.Namespace) -> None:
    """Create a new active signing key; earlier keys stay published so what they signed keeps verifying."""
    from django.db import transaction

    from zhitongche.core import audit

    from . import keys

    store = keys.keystore()
    previous = store.active_key()
    info = store.rotate()
    keys.reset_caches()
    with transaction.atomic():
        audit.record(actor=CLI_ACTOR, action="license_key.rotate", object_type="licenses.key", object_id=info.key_id[:64],
                     object_repr=info.key_id[:200],
                     changes={"active": [previous.key_id if previous else None, info.key_id]})
    _out(args, {"key_id": info.key_id, "previous": previous.key_id if previous else None,
                "verification_method": keys.verification_method(info.key_id)},
         f"已启用新密钥 {info.key_id}" + (f"；原密钥 {previous.key_id} 已停用签名，仍用于核验" if previous else ""))


def add_commands(sub: Any, add: Any, parser_class: Any, common: Any) -> None:
    """Add the licence commands to ztc's subparsers."""
    lt = sub.add_parser("license-type", help="证照类型", parents=[common])
    lt_sub = lt.add_subparsers(dest="license_type_command", required=True, parser_class=parser_class)
    p = add("add", license_type_add, "新建或更新证照类型", lt_sub)
    p.add_argument("code")
    p.add_argument("name")
    p.add_argument("--department", required=True, help="发证部门代码")
    p.add_argument("--valid-years", type=int, help="有效期（年），0 表示长期有效；新建时省略即长期有效")
    p.add_argument("--field", action="append", metavar="KEY=标签", help="必填字段，可重复")
    p.add_argument("--optional-field", action="append", metavar="KEY=标签", help="选填字段，可重复")
    p.add_argument("--layout", choices=["certificate", "card"], help="版式")
    p.add_argument("--title", help="证面标题")
    k = sub.add_parser("keys", help="证照签名密钥", parents=[common])
    k_sub = k.add_subparsers(dest="keys_command", required=True, parser_class=parser_class)
    add("list", keys_list, "列出签名密钥", k_sub)
    add("rotate", keys_rotate, "轮换签名密钥（旧密钥继续用于核验）", k_sub)
