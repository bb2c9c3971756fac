"""The 数据导入 page: preview, import, results, history and undo."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from village_stats import access, exports, importing
from village_stats.datasets import IMPORT_ORDER
from village_stats.db import storage_problem
from village_stats.errors import VillageStatsError
from village_stats.ui.signin import admin_refusal, current_user, may_change_data
from village_stats.ui.state import database, settings
from village_stats.ui.widgets import MISSING, plain, show_refusal
from village_stats.validation import Issue, errors_in


def _registry_first(ready: list[tuple[object, importing.FileOutcome]]) -> list[object]:
    """The uploads in IMPORT_ORDER of what their preview detected: the 村(社区)名录 first, so
    the other ledgers of the same upload are matched against the registry it brings."""

    def rank(pair: tuple[object, importing.FileOutcome]) -> int:
        return min((IMPORT_ORDER.index(t.dataset.name) for t in pair[1].tables), default=len(IMPORT_ORDER))

    return [upload for upload, _ in sorted(ready, key=rank)]


def _import_upload(upload: object, **options: object) -> importing.FileOutcome:
    """One upload through the importer; a database another process holds too long is a file-level error."""
    try:
        return importing.import_file(
            database(), Path(upload.name), settings(), data=upload.getvalue(), file_name=upload.name, **options
        )
    except VillageStatsError as error:  # e.g. the database held too long by another process
        outcome = importing.FileOutcome(upload.name)
        outcome.issues.append(Issue(upload.name, None, None, None, None, error.code, error.message))
        return outcome


def preview_imports(uploads: list, dataset: str | None, year: int | None) -> list[importing.FileOutcome]:
    """A dry run of every uploaded file: what was detected, what would change, what is wrong."""
    if admin_refusal():  # parsing untrusted files is part of importing
        return []
    return [_import_upload(upload, dataset=dataset, year=year, dry_run=True) for upload in uploads]


def show_import_outcome(outcome: importing.FileOutcome) -> None:
    errors = errors_in(outcome.issues)
    warnings = [i for i in outcome.issues if i.severity == "warning"]
    icon = ":material/error:" if errors else (":material/check_circle:" if outcome.tables else ":material/info:")
    with st.container(border=True):
        st.markdown(f"**{icon} {plain(outcome.file_name)}**")
        for table in outcome.tables:
            years = "、".join(str(y) for y in table.years) or "—"
            st.markdown(
                f"工作表“{plain(table.sheet)}” → **{table.dataset.title}**，表头在第{table.header_row}行；"
                f"年度：{years}；金额单位：{table.money_unit or '—'}  \n"
                f"将新增 **{table.inserted}** 行、更新 **{table.updated}** 行，未变 {table.unchanged} 行"
            )
            if table.preview:
                with st.expander("预览：入库后的前几行"):
                    frame = pd.DataFrame(table.preview).rename(columns={"_change": "变化"})
                    frame["变化"] = frame["变化"].map({"new": "新增", "changed": "更新", "unchanged": "未变"})
                    st.dataframe(
                        exports.present(frame, [*[c for c in frame.columns if c in exports.COLUMNS]]).assign(
                            变化=frame["变化"]
                        ),
                        hide_index=True,
                        placeholder=MISSING,
                    )
            if table.changes:
                with st.expander(f"将被修改的数值（{len(table.changes)}处）"):
                    st.dataframe(pd.DataFrame(table.changes, columns=["记录", "列", "原值", "新值"]), hide_index=True)
        if outcome.ok and not outcome.changes_anything:
            st.info(UNCHANGED, icon=":material/info:")
        for note in outcome.notes:
            st.caption(note)
        if outcome.issues:
            frame = issues_frame(outcome.issues)
            # a 报送 held only for its 异常波动 goes in once they are confirmed: that is not an error to fix
            held = [i for i in errors if i.code == "unconfirmed-changes"]
            if len(errors) > len(held):
                st.error(f"发现 {len(errors) - len(held)} 处错误，此文件不会导入。")
            elif held:
                st.warning("有数值与上年相比变化过大：请逐项核实，无误后勾选下方的确认框再报送。")
            if warnings and not held:
                st.warning(f"{len(warnings)} 处提醒（不影响导入），请核对。")
            st.dataframe(frame, hide_index=True)
            st.download_button(
                "下载问题清单",
                exports.to_xlsx_bytes(frame, "问题清单"),
                f"{Path(outcome.file_name).stem}_问题清单.xlsx",
                key=f"issues_{outcome.sha256}",
                on_click="ignore",
            )


def issues_frame(issues: list) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "级别": "错误" if i.severity == "error" else "提醒",
                "文件": i.file,
                "工作表": i.sheet or "",
                "行": i.row or "",
                "列": i.column or "",
                "单元格内容": i.value or "",
                "问题": i.message,
                "代码": i.code,
            }
            for i in issues
        ]
    )


def uploader_in_chinese(types: list[str]) -> None:
    """The uploader's own words in Chinese.

    Streamlit 1.67 writes "Upload" and "50MB per file • XLSX…" in English and has no parameter
    for them (streamlit/streamlit#13500 asks for one), so CSS hides that text (font size 0,
    which keeps it for screen readers) and writes the Chinese after it.
    """
    limit = st.get_option("server.maxUploadSize")
    words = f"每个文件不超过 {limit} MB · {'、'.join(types)}"
    dropzone = '[data-testid="stFileUploaderDropzone"]'
    instructions = '[data-testid="stFileUploaderDropzoneInstructions"] span'
    st.html(
        f"<style>{dropzone} button p, {instructions} {{ font-size: 0; }}"
        f'{dropzone} button p::after {{ content: "选择文件"; font-size: 0.875rem; }}'
        f'{instructions}::after {{ content: "{words}"; font-size: 0.875rem; }}</style>'
    )


def uploader_key() -> str:
    """The uploader's key: a new one after each import, which empties it (Streamlit has no other way)."""
    generation = st.session_state.get("import_generation", 0)
    return "import_files" if generation == 0 else f"import_files_{generation}"


UNCHANGED = "与已导入内容相同，无需导入"


def commit_imports(ready: list[tuple[object, importing.FileOutcome]], dataset: str | None, year: int | None) -> None:
    """Import the previewed uploads for real, registry first, with a progress bar; then start the
    page afresh: the result at the top, the uploader empty, undo pointing at this import."""
    if not may_change_data("导入"):
        return
    user = current_user() or access.LOCAL_USER
    bar = st.progress(0.0, text="准备导入")
    uploads = _registry_first(ready)
    outcomes = []
    for number, upload in enumerate(uploads):

        def step(fraction: float, words: str, number: int = number, name: str = upload.name) -> None:
            bar.progress(min(1.0, (number + fraction) / len(uploads)), text=f"{name}：{words}")

        outcomes.append(_import_upload(upload, dataset=dataset, year=year, progress=step, user=user))
    bar.empty()
    st.session_state["import_results"] = outcomes
    st.session_state["import_generation"] = st.session_state.get("import_generation", 0) + 1
    made = [t.import_id for o in outcomes if o.committed for t in o.tables if t.import_id is not None]
    if made:
        st.session_state["import_undo_id"] = max(made)
    st.session_state["import_toast"] = True
    st.rerun()


def import_results() -> None:
    """What the last 确认导入 did, per file and table, until another file is chosen."""
    outcomes = st.session_state.get("import_results")
    if not outcomes:
        return
    if st.session_state.get(uploader_key()):  # a new file is being previewed: that is what matters now
        del st.session_state["import_results"]
        return
    if st.session_state.pop("import_toast", False):
        # the page keeps its scroll position, and the button was far down on a phone: say it where the eye is
        done = sum(o.committed for o in outcomes)
        st.toast(f"已导入 {done} 个文件，结果见页面顶部" if done else "没有导入任何数据，原因见页面顶部")
    for outcome in outcomes:
        if outcome.committed:
            lines = [f"**已导入 {plain(outcome.file_name)}**"]
            for table in outcome.tables:
                years = "、".join(str(y) for y in table.years)
                scope = f"（{years}年）" if years else ""
                lines.append(
                    f"- {table.dataset.title}{scope}：新增 {table.inserted} 行，更新 {table.updated} 行，"
                    f"未变 {table.unchanged} 行（导入记录 #{table.import_id}）"
                )
            undo = "如需撤销，见页面下方“导入记录”：已选中本次导入。"
            st.success("\n".join(lines) + f"\n\n{undo}", icon=":material/check_circle:")
        elif outcome.ok:
            st.info(f"{plain(outcome.file_name)}：{UNCHANGED}", icon=":material/info:")
        else:
            reasons = "  \n".join(plain(i.message) for i in errors_in(outcome.issues)[:5])
            st.error(f"{plain(outcome.summary())}  \n{reasons}")


def import_history() -> None:
    records = importing.history(database())
    if not records:
        st.caption("还没有导入记录。")
        return
    frame = pd.DataFrame(records)
    shown = pd.DataFrame(
        {
            "编号": frame["import_id"],
            "导入时间": frame["imported_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "操作人": frame["imported_by"],
            "文件": frame["file_name"],
            "工作表": frame["sheet"],
            "数据集": frame["dataset_title"],
            "新增": frame["rows_inserted"],
            "更新": frame["rows_updated"],
            "状态": [_undo_state(at, by) for at, by in zip(frame["undone_at"], frame["undone_by"], strict=True)],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=MISSING)
    live = [r for r in records if r["undone_at"] is None or pd.isna(r["undone_at"])]
    if not live or admin_refusal():  # the page has said why at the top
        return
    with st.form("import_undo_form"):
        choice = st.selectbox(
            "撤销一次导入（恢复到该次导入前的数据）",
            [r["import_id"] for r in live],
            key="import_undo_id",
            format_func=lambda i: next(
                f"#{r['import_id']} {r['file_name']} · {r['dataset_title']}" for r in live if r["import_id"] == i
            ),
        )
        sure = st.checkbox("我确认要撤销这次导入", key="import_undo_sure")
        if st.form_submit_button("撤销", type="secondary", key="import_undo_submit") and sure:
            refusal = admin_refusal()
            try:
                if refusal:
                    raise importing.UndoRefused(refusal)
                importing.undo_import(database(), choice, user=current_user() or access.LOCAL_USER)
            except VillageStatsError as refused:
                show_refusal(refused)
            except (OSError, duckdb.Error) as error:
                problem = storage_problem(error, database().path.parent)
                if problem is None:
                    raise
                st.error(plain(problem))
            else:
                st.success(f"已撤销第 {choice} 次导入。")
                st.rerun()


def _undo_state(undone_at: object, undone_by: object) -> str:
    """有效, or when and by whom an import was undone (undos from before v6 name nobody)."""
    if undone_at is None or pd.isna(undone_at):
        return "有效"
    when = f"{pd.Timestamp(undone_at):%Y-%m-%d %H:%M}"
    return f"已撤销（{undone_by}，{when}）" if isinstance(undone_by, str) and undone_by else f"已撤销（{when}）"
