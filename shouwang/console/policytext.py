"""Policy rule IDs out of running text (issue 14): the services' refusals end with the rules they apply,
e.g. "…须至少包含一项开发式帮扶措施（…）（R-AID-01）"; pages show the words and put the IDs in a tooltip."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID = r"R-[A-Z]+-\d+(?:/\d+)*"  # R-ELIM-02; R-INC-01/02 names two rules of one series
_POLICY = re.compile(r"[（(]([^（()）]*" + _ID + r"[^（()）]*)[）)]")
# "R-THR-02：全国底线为…", "R-INC-05 / R-WARN-01（河北阳原2022）：…", "R-OBJ-05“八必访”…"
_LEADING = re.compile(r"^((?:" + _ID + r"\s*[、，,；;/]?\s*)+)(?:[：:]\s*|(?=[^\x00-\x7f]))")
_RULE = re.compile(_ID)


@dataclass(frozen=True)
class PolicyText:
    text: str  # the words, without the bracketed rule IDs
    policy: str = ""  # the rule IDs, "、"-separated ("" when the text named none)


def policy_split(text: str) -> PolicyText:
    """Every bracket naming rule IDs loses them (a bracket left empty goes), as does a leading "R-…：";
    the IDs are returned apart."""
    rules: list[str] = []

    def strip(match: re.Match[str]) -> str:
        inner = match.group(1)
        rules.extend(_RULE.findall(inner))
        rest = re.sub(_ID + r"[；;，,、：:]?", "", inner).strip("；;，,、：: ")
        return f"（{rest}）" if rest else ""

    def lead(match: re.Match[str]) -> str:
        rules.extend(_RULE.findall(match.group(1)))
        return ""

    text = _LEADING.sub(lead, text)
    return PolicyText(_POLICY.sub(strip, text), "、".join(dict.fromkeys(rules)))
