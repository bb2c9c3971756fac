"""The report as a 16:9 PowerPoint deck with native (editable) charts.

Charts are native PowerPoint charts (python-pptx `CategoryChartData`): their data travels inside the
file, so a secretary can edit them in PowerPoint or WPS. Every text run gets an explicit East Asian
typeface (`a:ea`): without one, PowerPoint picks a Latin theme font and the Chinese falls back to
whatever the machine has.
"""

from __future__ import annotations

import io
from dataclasses import replace

from village_stats import charts
from village_stats import formatting as fmt
from village_stats.reports.layout import dot_axis, value_label
from village_stats.reports.model import CLOSING_TITLE, SLIDE_BULLETS, Chart, Report, Slide, bullet

# PowerPoint: 微软雅黑 is on every Chinese Windows and WPS maps it; LibreOffice substitutes a CJK sans.
SLIDE_FONT = "Microsoft YaHei"


def to_pptx_bytes(report: Report) -> bytes:
    """16:9 slides, as `Report.slides` lists them: title, 汇报提纲, 核心指标, a native chart per slide of each
    section with its takeaway, and 存在的问题和下一步; each slide's full text in its speaker notes."""
    from pptx import Presentation
    from pptx.util import Emu

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12_192_000), Emu(6_858_000)  # PowerPoint's own 16:9, 33.867 × 19.05 cm
    deck.core_properties.title = report.title
    deck.core_properties.author = f"{report.town} · 村情看板"
    deck.core_properties.language = "zh-CN"
    slides = report.slides()
    total = len(slides)
    for slide in slides:
        if slide.kind == "title":
            made = _title_slide(deck, report)
        elif slide.kind == "agenda":
            made = _agenda_slide(deck, report, total)
        elif slide.kind == "kpis":
            made = _kpi_slide(deck, report, total)
        elif slide.kind == "chart":
            made = _chart_slide(deck, report, slide, total)
        else:
            made = _closing_slide(deck, report, total)
        if slide.notes:
            made.notes_slide.notes_text_frame.text = slide.notes
    for made in deck.slides:
        _cjk_fonts(made.shapes._spTree)
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def _rgb(color: str) -> object:
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(color.lstrip("#").upper())


def _cjk_fonts(element: object, typeface: str = SLIDE_FONT) -> None:
    """Give every run (and default run properties) under `element` a Latin and an East Asian typeface."""
    from pptx.oxml.ns import qn

    for tag in ("a:rPr", "a:defRPr", "a:endParaRPr"):
        for properties in element.iter(qn(tag)):
            latin = properties.get_or_add_latin() if hasattr(properties, "get_or_add_latin") else None
            if latin is None:
                continue
            latin.set("typeface", typeface)
            ea = properties.find(qn("a:ea"))
            if ea is None:
                ea = latin.makeelement(qn("a:ea"), {})
                latin.addnext(ea)
            ea.set("typeface", typeface)
            if tag == "a:rPr":
                properties.set("lang", "zh-CN")
                properties.set("altLang", "en-US")


def _text(
    slide: object,
    box: tuple[float, float, float, float],
    runs: list[list[tuple[str, dict[str, object]]]],
    size: float = 18,
    color: str = charts.INK,
    align: str = "left",
    anchor: str = "top",
    spacing: float = 1.15,
    after: float = 0,
) -> object:
    """A text box; `runs` is a list of paragraphs, each a list of (text, style) with bold/size/color."""
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_textbox(*(Inches(v) for v in box))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = Inches(0.05)
    frame.vertical_anchor = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}[anchor]
    for index, parts in enumerate(runs):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}[align]
        paragraph.line_spacing = spacing
        paragraph.space_after = Pt(after)
        for text, style in parts:
            run = paragraph.add_run()
            run.text = text
            run.font.size = Pt(float(style.get("size", size)))
            run.font.bold = bool(style.get("bold", False))
            run.font.color.rgb = _rgb(str(style.get("color", color)))
    return shape


def _rect(slide: object, box: tuple[float, float, float, float], fill: str, rounded: bool = False) -> object:
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.oxml.ns import qn
    from pptx.util import Inches

    shape = slide.shapes.add_shape(
        MSO_SHAPE.ROUNDED_RECTANGLE if rounded else MSO_SHAPE.RECTANGLE, *(Inches(v) for v in box)
    )
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(fill)
    shape.line.fill.background()
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    if rounded:
        shape.adjustments[0] = 0.08
    return shape


def _blank(deck: object) -> object:
    return deck.slides.add_slide(deck.slide_layouts[6])


def _chrome(deck: object, report: Report, title: str, total: int) -> object:
    """A content slide: the title with a navy mark, a footer with the town, the date and the page number."""
    slide = _blank(deck)
    _rect(slide, (0.55, 0.42, 0.09, 0.52), charts.NAVY)
    _text(slide, (0.78, 0.3, 11.8, 0.76), [[(title, {"bold": True})]], size=28, anchor="middle")
    _rect(slide, (0.55, 7.0, 12.23, 0.015), charts.GRID)
    footer = f"{report.town} · {report.year}年度村情工作汇报 · {report.scope_label}"
    _text(slide, (0.55, 7.03, 8.5, 0.36), [[(footer, {})]], size=11, color="#7b8794", anchor="middle")
    number = f"{report.date_text}　{len(deck.slides)} / {total}"
    _text(slide, (8.6, 7.03, 4.18, 0.36), [[(number, {})]], size=11, color="#7b8794", align="right", anchor="middle")
    return slide


def _title_slide(deck: object, report: Report) -> object:
    slide = _blank(deck)
    _rect(slide, (0, 0, 13.333, 4.6), charts.NAVY)
    _rect(slide, (0.9, 3.95, 1.4, 0.07), charts.AMBER)
    _text(slide, (0.9, 1.35, 11.5, 1.3), [[(report.title, {"bold": True})]], size=40, color="#ffffff")
    subtitle = f"{report.scope_label} · {len(report.outline)}个方面工作情况及下一步打算"
    _text(slide, (0.9, 2.75, 11.5, 0.9), [[(subtitle, {})]], size=22, color="#d5e3f3")
    _text(
        slide,
        (0.9, 5.0, 11.5, 1.4),
        [[(report.town, {"bold": True, "size": 28})], [(report.date_text, {})]],
        size=22,
        color=charts.INK,
        spacing=1.4,
    )
    _text(
        slide,
        (0.9, 6.7, 11.5, 0.4),
        [[(f"数据来源：村情看板各口径台账（截至{report.date_text}）", {})]],
        size=12,
        color="#7b8794",
    )
    return slide


def _agenda_slide(deck: object, report: Report, total: int) -> object:
    """汇报提纲: one numbered tile per section and one for 存在的问题和下一步, in two rows."""
    slide = _chrome(deck, report, "汇报提纲", total)
    items = [s.title for s in report.outline] + [CLOSING_TITLE]
    rows = 1 if len(items) <= 5 else 2  # a short report's tiles fill the slide's height instead of half of it
    columns = -(-len(items) // rows)
    gap = 0.2
    width = (12.23 - gap * (columns - 1)) / columns
    height = 5.2 if rows == 1 else 2.45
    for index, item in enumerate(items):
        row, column = divmod(index, columns)
        x, y = 0.55 + column * (width + gap), 1.5 + row * 2.75
        closing = index == len(items) - 1
        color = charts.AMBER if closing else charts.NAVY
        _rect(slide, (x, y, width, height), "#fdf3e3" if closing else "#f1f5fa", rounded=True)
        _rect(slide, (x, y + 0.3, 0.08, 0.6), color)
        _text(
            slide, (x + 0.25, y + 0.2, width - 0.4, 0.8), [[(f"{index + 1:02d}", {"bold": True})]], size=30, color=color
        )
        size = 19 if rows == 2 else 24
        _text(slide, (x + 0.25, y + 1.05, width - 0.4, 1.3), [[(item, {"bold": True})]], size=size, color=charts.INK)
    return slide


def _closing_slide(deck: object, report: Report, total: int) -> object:
    """存在的问题 beside 下一步: at most five short bullets each; every finding in full in the notes."""
    slide = _chrome(deck, report, CLOSING_TITLE, total)
    shown = report.findings[:SLIDE_BULLETS]
    problems = [bullet(f.short_problem or f.problem) for f in shown] or [f"{report.year}年各项指标未触发预警"]
    steps = [bullet(f.short_next_step or f.next_step) for f in shown] or ["保持各项工作常态长效推进"]
    for x, heading, lines, color in (
        (0.55, "存在的问题", problems, charts.RED),
        (6.8, "下一步", steps, charts.TEAL),
    ):
        _rect(slide, (x, 1.35, 5.98, 5.45), "#f6f8fb", rounded=True)
        _rect(slide, (x, 1.35, 5.98, 0.09), color)
        _text(slide, (x + 0.3, 1.55, 5.4, 0.6), [[(heading, {"bold": True})]], size=24, color=color)
        paragraphs = [[("● ", {"color": color, "size": 16}), (line, {})] for line in lines]
        size = 20 if len(lines) <= 3 else 18
        _text(slide, (x + 0.3, 2.3, 5.45, 4.4), paragraphs, size=size, spacing=1.25, after=14)
    if len(report.findings) > SLIDE_BULLETS:
        more = f"另有{len(report.findings) - SLIDE_BULLETS}项见备注及书面汇报"
        _text(slide, (0.55, 6.6, 12.23, 0.35), [[(more, {})]], size=12, color="#7b8794", align="right")
    return slide


def _kpi_slide(deck: object, report: Report, total: int) -> object:
    slide = _chrome(deck, report, f"{report.year}年核心指标", total)
    columns = min(4, len(report.kpis))
    rows = -(-len(report.kpis) // columns)
    gap = 0.21
    width = (12.23 - gap * (columns - 1)) / columns
    # one row of cards fills the slide's height, its figures larger and centred in it
    height = 2.55 if rows > 1 else 5.3
    inner = (height - 2.55) / 2
    for index, kpi in enumerate(report.kpis):
        row, column = divmod(index, columns)
        x = 0.55 + column * (width + gap)
        y = 1.45 + row * (height + 0.3)
        _rect(slide, (x, y, width, height), "#f1f5fa", rounded=True)
        _rect(slide, (x, y + inner + 0.25, 0.07, 0.5), charts.NAVY)
        label = [[(kpi.label, {})]]
        _text(
            slide, (x + 0.22, y + inner + 0.15, width - 0.35, 0.7), label, size=17 if rows > 1 else 22, color="#52606d"
        )
        _text(
            slide,
            (x + 0.22, y + inner + 0.75, width - 0.3, 0.9),
            [[(kpi.value, {"bold": True})]],
            size=32 if rows > 1 else 44,
            color=charts.NAVY,
            anchor="middle",
        )
        below = [[(part, {})] for part in (kpi.note, kpi.change and f"较上年{kpi.change}") if part]
        if below:
            box = (x + 0.22, y + inner + 1.7, width - 0.3, 0.75)
            _text(slide, box, below, size=14 if rows > 1 else 18, color="#52606d")
    return slide


def _takeaway(slide: object, text: str) -> None:
    _rect(slide, (0.55, 1.2, 12.23, 0.9), "#eaf1fb", rounded=True)
    _rect(slide, (0.55, 1.2, 0.09, 0.9), charts.AMBER)
    _text(slide, (0.85, 1.2, 11.8, 0.9), [[(text, {"bold": True})]], size=20, color=charts.NAVY, anchor="middle")


def _chart_slide(deck: object, report: Report, shown: Slide, total: int) -> object:
    chart = shown.chart
    slide = _chrome(deck, report, shown.title, total)
    _takeaway(slide, chart.takeaway)
    _text(slide, (0.55, 2.2, 12.23, 0.42), [[(chart.title, {"bold": True})]], size=16, color="#52606d")
    if chart.kind in ("doughnut", "pie"):
        # a ring fills a square: beside it, each slice's figure as a card, so the right half says something
        _native_chart(slide, chart, (0.55, 2.62, 6.4, 4.3))
        _slice_cards(slide, chart, (7.25, 2.75, 5.53, 4.0))
    elif chart.kind == "bar" and len(chart.categories) > charts.MAX_COLUMNS:
        # a town's 23 villages: two columns of bars (1–12, 13–23) on one scale, so every name stays legible
        half = -(-len(chart.categories) // 2)
        top = _round_up(max(v for s in chart.series for v in s.values) * 1.15)
        for index, part in enumerate((slice(0, half), slice(half, None))):
            piece = replace(
                chart,
                categories=chart.categories[part],
                series=tuple(replace(s, values=s.values[part]) for s in chart.series),
                point_colors=chart.point_colors[part] if chart.point_colors else None,
            )
            _native_chart(slide, piece, (0.55 + index * 6.17, 2.62, 6.06, 4.3), value_max=top)
    else:
        _native_chart(slide, chart, (0.55, 2.62, 12.23, 4.3))
    return slide


def _round_up(value: float) -> float:
    """An axis end a reader can read: 244.5 → 250, 0.87 → 0.9."""
    import math

    step = 10 ** math.floor(math.log10(value)) / 2 if value > 0 else 1
    return math.ceil(value / step) * step


def _native_chart(
    slide: object, chart: Chart, box: tuple[float, float, float, float], value_max: float | None = None
) -> object:
    """An editable PowerPoint chart of `chart` in `box` (inches); its data travels inside the file."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches, Pt

    data = CategoryChartData(number_format=chart.number_format)
    data.categories = list(chart.categories)
    for s in chart.series:
        data.add_series(s.name, list(s.values))
    kind = {
        "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
        "stacked_column": XL_CHART_TYPE.COLUMN_STACKED,
        "bar": XL_CHART_TYPE.BAR_CLUSTERED,
        "line": XL_CHART_TYPE.LINE_MARKERS,
        "dots": XL_CHART_TYPE.LINE_MARKERS,
        "doughnut": XL_CHART_TYPE.DOUGHNUT,
        "pie": XL_CHART_TYPE.PIE,
    }[chart.kind]
    frame = slide.shapes.add_chart(kind, *(Inches(v) for v in box), data)
    native = frame.chart
    native.font.size = Pt(14)
    native.font.color.rgb = _rgb(charts.INK)
    native.has_title = False
    plot = native.plots[0]
    plot.has_data_labels = True
    dense = len(chart.categories) > charts.MAX_COLUMNS
    plot.data_labels.font.size = Pt(11 if dense else 15)
    if chart.kind in ("doughnut", "pie"):
        _style_round(plot, chart)
        native.has_legend = False
    else:
        _style_cartesian(native, plot, chart, dense)
        if value_max is not None:
            native.value_axis.maximum_scale = value_max  # halves of one ranking: one scale, comparable lengths
    _cjk_fonts(native._chartSpace)
    return native


def _slice_cards(slide: object, chart: Chart, box: tuple[float, float, float, float]) -> None:
    """Each slice of a pie or ring as a row: its colour, its name, its figure with the unit and its share."""
    x, y, width, height = box
    values = chart.series[0].values
    total = sum(values) or 1
    rows = len(chart.categories)
    step = min(1.3, height / max(rows, 1))
    for index, (name, value) in enumerate(zip(chart.categories, values, strict=True)):
        top = y + index * step
        color = (chart.point_colors or charts.PALETTE)[index % len(chart.point_colors or charts.PALETTE)]
        _rect(slide, (x, top, width, step - 0.15), "#f1f5fa", rounded=True)
        _rect(slide, (x, top + 0.2, 0.1, step - 0.55), color)
        _text(slide, (x + 0.3, top, 1.9, step - 0.15), [[(name, {})]], size=20, color=charts.INK, anchor="middle")
        figure = f"{value_label(value, chart.number_format)}{chart.unit}"
        share = f"占{fmt.share(int(value), int(total))}" if float(total).is_integer() else ""
        _text(
            slide,
            (x + 2.1, top, width - 2.25, step - 0.15),
            [[(figure, {"bold": True, "size": 28, "color": charts.NAVY}), (f"　{share}", {"color": "#52606d"})]],
            size=16,
            align="right",
            anchor="middle",
        )


def _fill(format_: object, color: str) -> None:
    format_.fill.solid()
    format_.fill.fore_color.rgb = _rgb(color)


def _style_round(plot: object, chart: Chart) -> None:
    """Pie/doughnut: each slice its colour, labelled `谋划` / `12` (category and value, one per line)."""
    from pptx.enum.chart import XL_LABEL_POSITION
    from pptx.oxml.ns import qn

    labels = plot.data_labels
    labels.number_format = chart.number_format
    labels.number_format_is_linked = False
    labels.show_category_name = True
    labels.show_value = True
    labels.show_percentage = False
    if chart.kind == "pie":
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
    else:
        # inside a doughnut's ring the label sits on the slice colour
        labels.font.color.rgb = _rgb("#ffffff")
        labels.font.bold = True
    separator = labels._element.makeelement(qn("c:separator"), {})
    separator.text = "\n"
    labels._element.find(qn("c:showBubbleSize")).addnext(separator)
    for point, color in zip(plot.series[0].points, chart.point_colors or (), strict=False):
        _fill(point.format, color)


def _style_cartesian(native: object, plot: object, chart: Chart, dense: bool) -> None:
    """Bars, columns, lines and dots: labels on the data, a light grid, the unit beside the value axis.

    The value axis starts at zero, except for dots: their position, not a length, carries the value,
    so the axis spans the values (77–79 on 76–80) and says where it starts.
    """
    from pptx.enum.chart import XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    labels = plot.data_labels
    # zero slices of a stack get no label: the format's third (zero) section is empty
    labels.number_format = f"{chart.number_format};-{chart.number_format};;"
    labels.number_format_is_linked = False
    labels.position = {
        "stacked_column": XL_LABEL_POSITION.CENTER,
        "line": XL_LABEL_POSITION.ABOVE,
        "dots": XL_LABEL_POSITION.RIGHT,
    }.get(chart.kind, XL_LABEL_POSITION.OUTSIDE_END)
    if chart.kind not in ("line", "dots"):
        plot.gap_width = 30 if dense else 55
    for s, series in zip(chart.series, plot.series, strict=True):
        if chart.kind in ("line", "dots"):
            color = s.color or charts.BLUE
            series.smooth = False
            _fill(series.marker.format, color)
            series.marker.format.line.color.rgb = _rgb(color)
            if chart.kind == "dots":
                series.format.line.fill.background()  # no line between branches: they are not a sequence
                series.marker.style = XL_MARKER_STYLE.CIRCLE
                series.marker.size = 16
            else:
                series.format.line.color.rgb = _rgb(color)
                series.format.line.width = Pt(3)
                series.marker.size = 9
        elif s.color:
            _fill(series.format, s.color)
    if chart.point_colors and len(chart.series) == 1 and chart.kind not in ("line", "dots"):
        for point, color in zip(plot.series[0].points, chart.point_colors, strict=False):
            _fill(point.format, color)

    value_axis = native.value_axis
    unit = chart.unit
    if chart.kind == "dots":
        values = [v for s in chart.series for v in s.values]
        low, high = dot_axis(values)
        value_axis.minimum_scale, value_axis.maximum_scale = low, high
        unit = f"{chart.unit}（纵轴自{low:g}{chart.unit}起）"
    else:
        value_axis.minimum_scale = 0  # never a truncated bar: 239 of 261 must not look like a third
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = _rgb(charts.GRID)
    value_axis.format.line.fill.background()
    value_axis.tick_labels.font.size = Pt(12)
    value_axis.tick_labels.number_format = "#,##0"
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = unit
    title_run = value_axis.axis_title.text_frame.paragraphs[0].runs[0]
    title_run.font.size = Pt(12)
    title_run.font.bold = False
    # horizontal text: a rotated 万元 reads sideways
    value_axis.axis_title._title.find(qn("c:tx")).find(qn("c:rich")).find(qn("a:bodyPr")).set("rot", "0")

    category_axis = native.category_axis
    category_axis.tick_labels.font.size = Pt(11 if dense else 14)
    category_axis.format.line.color.rgb = _rgb(charts.GRAY)
    if dense:
        # every village's name, not every other one, and upright
        skip = category_axis._element.makeelement(qn("c:tickLblSkip"), {"val": "1"})
        category_axis._element.find(qn("c:noMultiLvlLbl")).addprevious(skip)
        category_axis._element.find(qn("c:txPr")).find(qn("a:bodyPr")).attrib.update({"rot": "0", "vert": "horz"})
    if chart.kind == "bar":
        # first row at the top, as the dashboard lists it, with the value axis kept at the bottom
        category_axis.reverse_order = True
        value_axis._element.find(qn("c:crosses")).set("val", "max")
    native.has_legend = len(chart.series) > 1
    if native.has_legend:
        native.legend.position = XL_LEGEND_POSITION.TOP
        native.legend.include_in_layout = False
        native.legend.font.size = Pt(14)
