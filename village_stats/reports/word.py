"""The report as a Word 汇报材料 draft on a 公文 page (GB/T 9704 fonts, page numbers, tables kept whole).

Every run gets an explicit East Asian typeface (`w:eastAsia`), or Word picks a Latin theme font.
"""

from __future__ import annotations

import io

import pandas as pd

from village_stats import exports
from village_stats.reports.model import CHINESE_NUMERALS, Report, missing
from village_stats.reports.tables import kpi_table

# Word: the 公文 convention (GB/T 9704): 仿宋 body, 黑体 headings, 楷体 sub-headings, Times New Roman digits
DOC_BODY_FONT = "仿宋"
DOC_HEADING_FONT = "黑体"
DOC_SUBHEADING_FONT = "楷体"
DOC_TITLE_FONT = "宋体"
DOC_LATIN_FONT = "Times New Roman"


def _docx_fonts(run: object, east_asian: str, size: float, bold: bool = False) -> None:
    """A Word run in the 公文 style: the East Asian face for Chinese, Times New Roman for digits."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = DOC_LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    properties = run._element.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), DOC_LATIN_FONT)
    fonts.set(qn("w:hAnsi"), DOC_LATIN_FONT)


def _doc_paragraph(
    document: object,
    text: str,
    font: str = DOC_BODY_FONT,
    size: float = 16,
    bold: bool = False,
    align: str = "justify",
    indent: bool = True,
    exact: float | None = 28,
    keep_with_next: bool = False,
) -> object:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    layout = paragraph.paragraph_format
    layout.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
    }[align]
    layout.space_before = layout.space_after = Pt(0)
    if exact:
        layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        layout.line_spacing = Pt(exact)
    layout.keep_with_next = keep_with_next
    if indent:
        layout.first_line_indent = Pt(size * 2)  # 首行缩进两字
    _docx_fonts(paragraph.add_run(text), font, size, bold)
    return paragraph


def _doc_table(document: object, caption: str, frame: pd.DataFrame) -> None:
    """表N caption above, then the table: 黑体 header, 仿宋 cells, numbers right-aligned."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    caption_paragraph = _doc_paragraph(
        document, caption, DOC_HEADING_FONT, 14, align="center", indent=False, exact=None, keep_with_next=True
    )
    caption_paragraph.paragraph_format.space_before = Pt(6)
    formats = exports.number_formats(frame)
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = ""
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        _docx_fonts(paragraph.add_run(str(header)), DOC_HEADING_FONT, 12)
    for index, values in enumerate(frame.itertuples(index=False), start=1):
        cells = table.add_row().cells
        for cell, header, value in zip(cells, frame.columns, values, strict=True):
            number = header in formats and isinstance(value, int | float) and not missing(value)
            text = "" if missing(value) else (formats[header] % value if number else str(value))
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if number else WD_ALIGN_PARAGRAPH.CENTER
            # a short table stays on one page with its caption
            paragraph.paragraph_format.keep_with_next = index < len(frame) and len(frame) <= 15
            _docx_fonts(paragraph.add_run(text), DOC_BODY_FONT, 12)
    _rows_stay_whole(table)
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(6)


def _rows_stay_whole(table: object) -> None:
    """No row broken across a page, and the header row repeated on the next page of a long table."""
    from docx.oxml import OxmlElement

    for index, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if index == 0:
            properties.append(OxmlElement("w:tblHeader"))


def _page_number_footer(section: object) -> None:
    """`— 1 —` centred at the foot of every page, as 公文 number their pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _docx_fonts(paragraph.add_run("— "), DOC_TITLE_FONT, 14)
    run = paragraph.add_run()
    _docx_fonts(run, DOC_TITLE_FONT, 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    _docx_fonts(paragraph.add_run(" —"), DOC_TITLE_FONT, 14)


def to_docx_bytes(report: Report) -> bytes:
    """A 汇报材料 draft in the town's register: 一、主要做法及成效 (the sections, each with its table),
    二、存在的问题 and 三、下一步工作打算 (the findings), on a 公文 page."""
    from docx import Document
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _page_number_footer(section)
    document.core_properties.title = report.title
    document.core_properties.author = f"{report.town} · 村情看板"
    document.core_properties.language = "zh-CN"

    _doc_paragraph(document, report.title, DOC_TITLE_FONT, 22, bold=True, align="center", indent=False, exact=36)
    _doc_paragraph(
        document,
        f"（{report.scope_label} · {report.date_text}）",
        DOC_SUBHEADING_FONT,
        16,
        align="center",
        indent=False,
    )
    _doc_paragraph(document, "", indent=False)
    if not report.outline:
        _doc_paragraph(document, f"{report.year}年{report.scope_label}暂无可汇报的台账数据。")
    else:
        covered = "、".join(s.short for s in report.outline)
        _doc_paragraph(
            document,
            f"根据村情看板截至{report.date_text}的台账数据，现将{report.year}年{report.scope_label}{covered}"
            "等方面工作情况、存在的问题及下一步工作打算汇报如下。",
        )
        tables = _doc_achievements(document, report)
        _doc_findings(document, report, tables)
    _doc_paragraph(document, "", indent=False)
    _doc_paragraph(document, report.town, align="right", indent=False)
    _doc_paragraph(document, report.date_text, align="right", indent=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _doc_heading(document: object, text: str) -> None:
    _doc_paragraph(document, text, DOC_HEADING_FONT, 16, keep_with_next=True)


def _doc_achievements(document: object, report: Report) -> int:
    """一、主要做法及成效: 核心指标, then （一）… per section with its paragraph and its table; the tables' count."""
    _doc_heading(document, "一、主要做法及成效")
    tables = 0
    if report.kpis:
        tables += 1
        lead = f"{report.year}年，{report.scope_label}各项重点工作有序推进，主要指标见表{tables}。"
        _doc_paragraph(document, lead, keep_with_next=True)
        _doc_table(document, f"表{tables}　{report.year}年核心指标", kpi_table(report))
    for number, part in enumerate(report.outline, start=1):
        _doc_paragraph(document, f"（{_numeral(number)}）{part.title}", DOC_SUBHEADING_FONT, 16, keep_with_next=True)
        # the paragraph stays with the table it introduces, and both with their heading
        _doc_paragraph(document, part.text, keep_with_next=part.table is not None)
        if part.table is not None:
            caption, frame = part.table
            tables += 1
            _doc_table(document, f"表{tables}　{caption}", frame)
    return tables


def _doc_findings(document: object, report: Report, tables: int) -> None:
    """二、存在的问题 and 三、下一步工作打算: one 一是… paragraph per finding, in the same order."""
    _doc_heading(document, "二、存在的问题")
    if not report.findings:
        _doc_paragraph(document, f"对照各项预警规则，{report.year}年{report.scope_label}暂未发现需要预警的问题。")
    else:
        _doc_paragraph(document, "对照年度目标和各项预警规则，当前工作中还存在以下问题：", keep_with_next=True)
        for index, finding in enumerate(report.findings, start=1):
            _doc_paragraph(document, f"{_numeral(index)}是{finding.problem}")
    _doc_heading(document, "三、下一步工作打算")
    if not report.findings:
        _doc_paragraph(document, "下一步，将继续对照年度目标，压实工作责任，推动各项工作常态长效。")
    else:
        _doc_paragraph(document, "针对上述问题，下一步将重点抓好以下工作：", keep_with_next=True)
        for index, finding in enumerate(report.findings, start=1):
            _doc_paragraph(document, f"{_numeral(index)}是{finding.next_step}")


def _numeral(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二 (a report has at most a few dozen parts)."""
    if number <= 10:
        return CHINESE_NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else CHINESE_NUMERALS[tens - 1]) + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")
