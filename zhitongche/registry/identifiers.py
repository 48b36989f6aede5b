"""Building valid 统一社会信用代码 (GB 32100) for demo data; validation itself is python-stdnum's."""

from stdnum.cn import uscc

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-digit organisation code body."""
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_uscc(region: str, serial: int, kind: str = "company") -> str:
    """A valid USCC for `region` (6 digits) and a serial number: 9 = market regulator, 1 company / 2 individual."""
    entity = {"company": "1", "individual": "2", "cooperative": "3"}.get(kind, "9")
    body = f"{serial % 10**8:08d}"
    head = f"9{entity}{region}{body}{org_code_check(body)}"
    return head + uscc.calc_check_digit(head)
