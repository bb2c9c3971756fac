"""Query results → meeting material: PowerPoint, Word and Excel bytes, and the presenter's screens (pure).

`report_requests` declares the named queries a report needs (as
`narrative.summary_requests` does); the caller runs them through its own runner
(CLI: `Database.read()` + `queries.run_query`; pages: `ui.run_query`) and hands
the results to `build`. The resulting `Report` holds everything already worked
out — KPI cards, one `Chart` per slide with its one-line takeaway, the narrative
and the tables — so the PPTX, the DOCX, the XLSX, the preview page and presenter
mode all show the same figures.

The rooms: `model` (what a report is), `composition` (results → `Report`), `chart_data` (each
section's charts and takeaways), `tables` (the pages' tables it carries); then one module per
output: `powerpoint`, `word`, `workbook` (XLSX), `figures` (Plotly), with `layout` shared by the
last two kinds of chart. Callers use the names re-exported here: `reports.build`, `reports.to_pptx_bytes` ….
"""

from village_stats.reports.chart_data import RANKING_BARS, SAGE_UNITS
from village_stats.reports.composition import ALERT_ROLE, ALERT_SECTIONS, REPORT_ROWS, Requests, build, report_requests
from village_stats.reports.figures import COUNT_UNITS, figure
from village_stats.reports.model import (
    ALL_TOWNS_LABEL,
    BULLET_CHARS,
    CHINESE_NUMERALS,
    CLOSING_TITLE,
    SECTION_TITLES,
    SLIDE_BULLETS,
    WAN,
    YI,
    Chart,
    Finding,
    Kpi,
    Report,
    Section,
    Series,
    Slide,
    bullet,
)
from village_stats.reports.powerpoint import SLIDE_FONT, to_pptx_bytes
from village_stats.reports.tables import TABLES, kpi_table
from village_stats.reports.word import (
    DOC_BODY_FONT,
    DOC_HEADING_FONT,
    DOC_LATIN_FONT,
    DOC_SUBHEADING_FONT,
    DOC_TITLE_FONT,
    to_docx_bytes,
)
from village_stats.reports.workbook import contents_sheet, kpi_sheet, to_xlsx_bytes

__all__ = [
    "ALERT_ROLE",
    "ALERT_SECTIONS",
    "ALL_TOWNS_LABEL",
    "BULLET_CHARS",
    "CHINESE_NUMERALS",
    "CLOSING_TITLE",
    "COUNT_UNITS",
    "DOC_BODY_FONT",
    "DOC_HEADING_FONT",
    "DOC_LATIN_FONT",
    "DOC_SUBHEADING_FONT",
    "DOC_TITLE_FONT",
    "RANKING_BARS",
    "REPORT_ROWS",
    "SAGE_UNITS",
    "SECTION_TITLES",
    "SLIDE_BULLETS",
    "SLIDE_FONT",
    "TABLES",
    "WAN",
    "YI",
    "Chart",
    "Finding",
    "Kpi",
    "Report",
    "Requests",
    "Section",
    "Series",
    "Slide",
    "build",
    "bullet",
    "contents_sheet",
    "figure",
    "kpi_sheet",
    "kpi_table",
    "report_requests",
    "to_docx_bytes",
    "to_pptx_bytes",
    "to_xlsx_bytes",
]
