"""Refused input (CONTRACT: exit code 2, every reason listed, nothing written)."""

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RowError:
    """One problem in an input file: where (row, column), what (value) and why (reason, Chinese)."""

    row: int | None
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        col = f"“{self.column}”列" if self.column else ""
        val = f"（值：{self.value}）" if self.value != "" else ""
        return f"{where}{col}{val}：{self.reason}"


@dataclass
class InputRefused(Exception):
    """Raised before anything is written; the caller reports every error and changes nothing."""

    message: str
    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.message, "errors": [asdict(e) for e in self.errors]}

    def report(self, limit: int | None = 200) -> str:
        lines = [self.message]
        shown = self.errors if limit is None else self.errors[:limit]
        lines += [f"  - {e}" for e in shown]
        if limit is not None and len(self.errors) > limit:
            lines.append(f"  … 共{len(self.errors)}处错误，其余见完整报告")
        return "\n".join(lines)
