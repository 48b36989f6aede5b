"""The written rule for an effective interaction (有效互动), applied when an interaction is recorded.

An interaction counts as effective when all of these hold:

1. its kind is a counted kind: 上门走访 visit, 电话联系 call, 线上消息 message, 政策推送 policy_push
   (`other` is kept in the record but never counted);
2. its content is real: at least 10 meaningful characters (Chinese characters, letters and digits,
   after removing whitespace and punctuation), not only boilerplate phrases (已联系, 无, 正常, 走访,
   电话回访, 了解情况 …, and stock phrases such as 贯彻落实, 高度重视, 积极对接) and not one character repeated;
3. it is the first effective one of the same steward, enterprise, day (Asia/Shanghai) and kind —
   unless it is linked to an appeal, because work on an appeal is always counted.

Rule 3 is also a database constraint (one_effective_interaction_per_day_and_kind), so two records
written at the same moment cannot both count.
"""

import re
import unicodedata

from .models import COUNTED_KINDS, NotEffective

MIN_MEANINGFUL_CHARS = 10
_NOT_MEANINGFUL = re.compile(r"[\W_]+", re.UNICODE)
BOILERPLATE = (
    "已联系", "已走访", "已电话", "电话联系", "电话回访", "上门走访", "走访企业", "走访", "回访", "联系企业",
    "了解情况", "了解企业情况", "企业情况正常", "经营正常", "情况正常", "一切正常", "正常", "无问题", "无诉求",
    "没有问题", "暂无", "无", "已推送", "推送政策", "政策推送", "已发送", "好的", "收到", "测试",
    # Official stock phrases (套话), which say nothing about the enterprise.
    "认真学习", "学习贯彻", "贯彻落实", "认真落实", "狠抓落实", "抓好落实", "高度重视", "积极对接", "对接服务",
    "全力支持", "大力支持", "积极配合", "全力配合", "加强沟通", "做好服务", "优化服务", "持续跟进", "按照要求",
)
_BOILERPLATE_RE = re.compile("|".join(sorted((re.escape(b) for b in BOILERPLATE), key=len, reverse=True)))


def meaningful(text: str) -> str:
    """The content without whitespace and punctuation (full-width folded), i.e. what the rule counts."""
    return _NOT_MEANINGFUL.sub("", unicodedata.normalize("NFKC", text or ""))


def content_problem(text: str) -> str:
    """Why the content is not real content ("" when it is)."""
    core = meaningful(text)
    if len(core) < MIN_MEANINGFUL_CHARS:
        return NotEffective.CONTENT_TOO_SHORT
    if len(set(core)) <= 2:
        return NotEffective.BOILERPLATE
    if len(_BOILERPLATE_RE.sub("", core)) < MIN_MEANINGFUL_CHARS:
        return NotEffective.BOILERPLATE
    return ""


def judge(kind: str, content: str) -> str:
    """The reason an interaction of this kind and content cannot count, or "" if rules 1–2 hold."""
    if kind not in COUNTED_KINDS:
        return NotEffective.KIND_NOT_COUNTED
    return content_problem(content)
