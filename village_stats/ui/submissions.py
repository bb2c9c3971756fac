"""The 报送 page: rounds the town opens, each unit's template, upload and progress."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pandas as pd
import streamlit as st

from village_stats import access, exports, rounds
from village_stats.datasets import DATASETS
from village_stats.errors import VillageStatsError
from village_stats.ui.import_page import _import_upload, _undo_state, show_import_outcome
from village_stats.ui.signin import current_access, current_user
from village_stats.ui.state import database, run_query, settings, today
from village_stats.ui.widgets import MISSING, copy_text, plain, present, show_refusal
from village_stats.validation import errors_in

SUBMISSION_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv"]


def round_list() -> pd.DataFrame:
    return run_query("rounds_overview")


def get_round(round_id: int) -> rounds.Round:
    with database().read() as cur:
        return rounds.get_round(cur, round_id)


def rounds_for_unit(unit: str) -> list[rounds.Round]:
    """The rounds of the town `unit` belongs to, open ones first."""
    with database().read() as cur:
        towns = {r[0] for r in cur.execute("select town from villages where name = $u", {"u": unit}).fetchall()}
        found = [r for r in rounds.all_rounds(cur) if r.town in towns]
    return sorted(found, key=lambda r: (r.closed, -r.round_id))


def pick_round(frame: pd.DataFrame, key: str) -> rounds.Round | None:
    """A round chosen from the list, newest first; None when there is none."""
    if frame.empty:
        return None
    labels = {
        int(row.round_id): f"#{row.round_id} {row.title}（截止 {row.due:%Y-%m-%d}"
        + ("，已关闭）" if present(row.closed_at) else "）")
        for row in frame.itertuples()
    }
    chosen = st.selectbox("报送任务", list(labels), format_func=labels.get, key=key)
    return get_round(int(chosen))


def open_round_form() -> None:
    """The town opens a round: dataset, year, due date, title."""
    names = rounds.round_datasets()
    with st.form("rounds_open_form", border=False):
        left, middle, right = st.columns(3)
        title = left.selectbox("台账", [DATASETS[n].title for n in names], key="rounds_open_dataset")
        year = middle.number_input("年度", 2000, 2100, today().year - 1, step=1, key="rounds_open_year")
        due = right.date_input("截止日期", today() + timedelta(days=30), key="rounds_open_due")
        name = st.text_input("任务名称（可不填）", key="rounds_open_title", placeholder="默认：2025年村级集体经济收入")
        if st.form_submit_button("发起报送", type="primary", key="rounds_open_submit"):
            dataset = names[[DATASETS[n].title for n in names].index(title)]
            try:
                opened = rounds.open_round(database(), dataset, int(year), due, settings().town, _actor(), name)
            except VillageStatsError as error:
                show_refusal(error)
                return
            st.success(f"已发起报送任务 #{opened.round_id}：{opened.title}。请下载各村(社区)模板发给各村。")


def _actor() -> str:
    return current_user() or access.LOCAL_USER


def round_board(round_: rounds.Round, names_people: bool) -> pd.DataFrame:
    """Progress of one round: counts, a progress bar, every unit's state, the missing list and the 催报 text.

    `names_people`: the 报送人 column is shown (admins); others see states and times only."""
    counts = run_query("round_progress", round_id=round_.round_id).iloc[0]
    units = run_query("round_status", round_id=round_.round_id)
    units_total, reported = int(counts["units"]), int(counts["reported"])
    state = "已关闭（数据已锁定）" if round_.closed else "进行中"
    st.caption(f"{round_.title} · 截止 {round_.due:%Y年%m月%d日} · {state}")
    cards = st.columns(4)
    cards[0].metric("应报", f"{units_total}个", border=True)
    cards[1].metric("按时报送", f"{int(counts['submitted'])}个", border=True)
    cards[2].metric("逾期报送", f"{int(counts['late'])}个", border=True)
    cards[3].metric("未报送", f"{int(counts['missing'])}个", border=True)
    st.progress(reported / units_total if units_total else 0.0, text=f"{units_total}个村(社区)中{reported}个已报送")
    missing = units.loc[units["status"] == "missing", "unit"].tolist()
    text = rounds.reminder(round_, missing, today(), settings().round_chase_days)
    if missing:
        st.warning(f"未报送（{len(missing)}个）：{'、'.join(missing)}", icon=":material/pending_actions:")
    else:
        st.success("全部村(社区)已报送。", icon=":material/task_alt:")
    st.markdown(f"**催报通知**  \n{plain(text)}")
    copy_text([text], key="rounds_copy_reminder", label="复制催报通知")
    shown = rounds.status_table(units)
    if not names_people:
        shown = shown.drop(columns=["报送人"])
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=MISSING)
    st.download_button(
        "下载报送进度表",
        partial(exports.to_xlsx_bytes, shown, "报送进度"),
        f"{round_.title}_报送进度.xlsx",
        key="rounds_status_download",
        on_click="ignore",
        icon=":material/download:",
    )
    st.caption(
        f"报送 {int(counts['row_count'])} 行，报送人确认的异常波动 {int(counts['changes_confirmed'])} 处。"
        "按时/逾期按每个村(社区)第一次有效报送的日期计。"
    )
    return units


def round_admin_actions(round_: rounds.Round) -> None:
    """Templates for every unit, a submission on a unit's behalf, and closing or reopening the round."""
    left, right = st.columns(2)
    left.download_button(
        "下载全部村(社区)模板（zip）",
        partial(rounds.templates_zip, database(), round_.round_id, settings()),
        f"{round_.year}年{round_.ledger.title}_报送模板.zip",
        key="rounds_templates_zip",
        on_click="ignore",
        icon=":material/folder_zip:",
    )
    if round_.closed:
        if right.button("重新打开报送任务", key="rounds_reopen", icon=":material/lock_open:"):
            _set_closed(round_, False)
    elif right.button("关闭报送任务（锁定数据）", key="rounds_close", icon=":material/lock:"):
        _set_closed(round_, True)
    with st.expander("代村(社区)报送", icon=":material/upload_file:"):
        with database().read() as cur:
            names = rounds.units_of(cur, round_.town)
        unit = st.selectbox("村(社区)", names, key="rounds_proxy_unit")
        submission_box(round_, unit, key="rounds_proxy")


def _set_closed(round_: rounds.Round, closed: bool) -> None:
    try:
        rounds.set_closed(database(), round_.round_id, closed, _actor())
    except VillageStatsError as error:
        show_refusal(error)
        return
    st.rerun()


def may_submit_for(unit: str) -> bool:
    """An admin submits for any unit, a village account for its own only; nobody else submits."""
    rights = current_access()
    return rights.role == access.ADMIN or (rights.role == access.VILLAGE and rights.unit == unit)


def submission_box(round_: rounds.Round, unit: str, key: str) -> None:
    """Template download, upload, the checker's result, the 异常波动 confirmation and the submit button."""
    if not may_submit_for(unit):
        return
    st.download_button(
        f"下载{unit}的报送模板",
        partial(_unit_template, round_.round_id, unit),
        round_.file_name(unit),
        key=f"{key}_template",
        on_click="ignore",
        icon=":material/table_view:",
    )
    notice = st.session_state.pop(f"{key}_notice", None)
    if notice:
        st.success(notice, icon=":material/task_alt:")
    if round_.closed:
        st.info("该报送任务已关闭，不能再报送；如需更正请联系镇里重新打开。", icon=":material/lock:")
        return
    # a new uploader after each submission: the sent file does not linger to be sent twice
    sent = st.session_state.get(f"{key}_sent", 0)
    upload = st.file_uploader(
        f"上传{unit}填好的报送表", type=SUBMISSION_TYPES, key=f"{key}_file" + (f"_{sent}" if sent else "")
    )
    if upload is None:
        return
    confirmed = bool(st.session_state.get(f"{key}_confirm"))
    submission = rounds.Submission(round_.round_id, unit, confirmed)
    preview = _import_upload(upload, dry_run=True, submission=submission)
    show_import_outcome(preview)
    abnormal = [i for i in preview.issues if i.code == "abnormal-change"]
    if abnormal:
        st.checkbox(f"我已核实以上 {len(abnormal)} 处异常波动，数据无误", key=f"{key}_confirm")
    if preview.ok and st.button("确认报送", type="primary", key=f"{key}_submit", icon=":material/send:"):
        outcome = _import_upload(upload, submission=submission, user=_actor())
        if outcome.committed:
            table = outcome.tables[0]
            rows = table.inserted + table.updated + table.unchanged
            st.session_state[f"{key}_notice"] = (
                f"{unit}已报送{round_.title}：{rows} 行（第 {table.import_id} 次导入）。"
            )
            st.session_state[f"{key}_sent"] = sent + 1
            st.session_state.pop(f"{key}_confirm", None)
            st.rerun()  # the board and the history above and below show the submission at once
        else:
            reasons = "  \n".join(plain(i.message) for i in errors_in(outcome.issues)[:5])
            st.error(f"{plain(outcome.summary())}  \n{reasons}")


def _unit_template(round_id: int, unit: str) -> bytes:
    return rounds.unit_template(database(), round_id, unit, settings())[1]


def unit_history(unit: str) -> None:
    """The unit's own submissions, newest first, with whether each still counts."""
    frame = run_query("unit_submissions", town=None, unit=unit)
    if frame.empty:
        st.caption("还没有报送记录。")
        return
    shown = pd.DataFrame(
        {
            "报送任务": frame["title"],
            "报送时间": frame["submitted_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "报送人": frame["submitted_by"],
            "行数": frame["row_count"],
            "确认的异常波动": frame["changes_confirmed"],
            "文件": frame["file_name"],
            "状态": [_undo_state(at, by) for at, by in zip(frame["undone_at"], frame["undone_by"], strict=True)],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=MISSING)


def village_round(round_: rounds.Round, unit: str) -> None:
    """One round as a village account sees it: its own state, its template, its upload."""
    units = run_query("round_status", round_id=round_.round_id)
    mine = units[units["unit"] == unit]
    status = mine.iloc[0] if not mine.empty else None
    words = rounds.STATUS_WORDS.get(status["status"], "—") if status is not None else "—"
    when = f"（{status['submitted_at']:%Y-%m-%d %H:%M}，{status['submitted_by']}）" if words != "未报送" else ""
    st.markdown(f"**{plain(round_.title)}** · 截止 {round_.due:%Y年%m月%d日} · 本村状态：**{words}**{when}")
    submission_box(round_, unit, key=f"rounds_village_{round_.round_id}")


def sees_own_unit_only() -> bool:
    """A village account under `village_accounts_see = "own"`: only its own 报送 page is offered."""
    return current_access().role == access.VILLAGE and settings().village_accounts_see == "own"


# the dashboard pages whose figures a 报送 round feeds; 总览 shows every ledger
ROUND_PAGES = {
    "村财收入": ("income",),
    "项目投资": ("projects",),
    "达标创星": ("stars",),
    "五单服务": ("tickets",),
    "问题整改": ("problems",),
    "党员积分": ("member_points",),
    "书记工作室": ("studios",),
    "乡贤": ("sages",),
    "村干部": ("cadres",),
}


def round_notices(page_title: str) -> None:
    """Above a page whose year is still being reported: “25个村(社区)中21个已报送”, so a half-in year
    is not read as the town's total."""
    if page_title != "总览" and page_title not in ROUND_PAGES:
        return
    year = st.session_state.get("filters").year if "filters" in st.session_state else None
    if year is None:
        return
    listed = round_list()
    if listed.empty:
        return
    wanted = set(ROUND_PAGES.get(page_title, rounds.round_datasets()))
    incomplete = (listed["year"] == year) & listed["dataset"].isin(wanted) & (listed["reported"] < listed["units"])
    for row in listed[incomplete].itertuples():
        st.info(
            f"{row.title}：{row.units}个村(社区)中{row.reported}个已报送，{year}年数据尚不完整（详见“报送”页）。",
            icon=":material/pending_actions:",
        )
