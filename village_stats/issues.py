"""Issue: one finding about an imported sheet, as the import page shows it and the CLI prints it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One finding. `row` is the row number Excel shows; `column` the header as the file writes it."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    code: str
    message: str
    severity: str = "error"

    def describe(self) -> str:
        where = [f"文件“{self.file}”"]
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"“{self.column}”列")
        label = "错误" if self.severity == "error" else "提醒"
        value = f"（单元格内容：{self.value}）" if self.value not in (None, "") else ""
        return f"[{label}] {'，'.join(where)}：{self.message}{value}"


def errors_in(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "error"]
