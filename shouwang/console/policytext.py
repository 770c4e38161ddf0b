"""Policy rule IDs out of running text (issue 14): the services' refusals end with the rules they apply,
e.g. "…须至少包含一项开发式帮扶措施（…）（R-AID-01）"; pages show the words and put the IDs in a tooltip."""

from __future__ import annotations

import re
from dataclasses import dataclass

_POLICY = re.compile(r"[（(]([^（()）]*R-[A-Z]+-\d+[^（()）]*)[）)]")
_RULE = re.compile(r"R-[A-Z]+-\d+")


@dataclass(frozen=True)
class PolicyText:
    text: str  # the words, without the bracketed rule IDs
    policy: str = ""  # the rule IDs, "、"-separated ("" when the text named none)


def policy_split(text: str) -> PolicyText:
    """Every bracket naming rule IDs loses them (a bracket left empty goes); the IDs are returned apart."""
    rules: list[str] = []

    def strip(match: re.Match[str]) -> str:
        inner = match.group(1)
        rules.extend(_RULE.findall(inner))
        rest = re.sub(r"R-[A-Z]+-\d+[；;，,、]?", "", inner).strip("；;，,、 ")
        return f"（{rest}）" if rest else ""

    return PolicyText(_POLICY.sub(strip, text), "、".join(dict.fromkeys(rules)))
