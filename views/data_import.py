"""数据导入: upload ledgers, see what was detected and what would change, confirm, review history, undo."""

import streamlit as st

from village_stats import templates, ui
from village_stats.datasets import DATASETS, IMPORT_ORDER

current = ui.settings()
st.title("数据导入")
ui.import_results()
st.caption(
    "支持 xlsx、xls、ods、csv（UTF-8 或 GBK）。可带标题行、“单位：万元”行、序号列、合计行和落款；"
    "先导入村(社区)名录，再导入其他台账。"
)
st.page_link(
    "views/rounds.py",
    label="让各村(社区)自己报送：发起报送任务、下发模板、看谁还没报",
    icon=":material/assignment_add:",
)

with st.expander("下载空白模板", icon=":material/download:"):
    columns = st.columns(3)
    for index, name in enumerate(IMPORT_ORDER):
        dataset = DATASETS[name]
        columns[index % 3].download_button(
            f"{dataset.title}模板",
            templates.template_bytes(dataset, current),
            f"{dataset.title}_模板.xlsx",
            key=f"import_template_{name}",
            on_click="ignore",
            icon=":material/table_view:",
        )

uploads = None
if ui.may_change_data("导入台账"):
    kinds = ["xlsx", "xlsm", "xls", "ods", "csv"]
    ui.uploader_in_chinese(kinds)
    uploads = st.file_uploader(
        "选择台账文件（可多选）",
        type=kinds,
        accept_multiple_files=True,
        key=ui.uploader_key(),
    )
    options = ["自动识别", *[DATASETS[n].title for n in IMPORT_ORDER]]
    left, right = st.columns(2)
    chosen_title = left.selectbox("数据集", options, key="import_dataset", help="表头不规范时可手动指定")
    year = right.number_input(
        "年度（表中无“年度”列且标题、文件名中也没有年份时使用）",
        min_value=2000,
        max_value=2100,
        value=None,
        step=1,
        key="import_year",
        placeholder="自动识别",
    )
    dataset = next((n for n in IMPORT_ORDER if DATASETS[n].title == chosen_title), None)

if uploads:
    previews = ui.preview_imports(uploads, dataset, year)
    for outcome in previews:
        ui.show_import_outcome(outcome)
    ready = [(u, o) for u, o in zip(uploads, previews, strict=True) if o.ok and o.changes_anything]
    blocked = [o.file_name for o in previews if not o.ok]
    if blocked:
        rest = "其余文件可以先导入。" if len(blocked) < len(uploads) else ""
        st.error(f"以下文件有错误，需修改后重新上传：{ui.plain('、'.join(blocked))}。{rest}")
    if ready and st.button(f"确认导入 {len(ready)} 个文件", type="primary", key="import_confirm"):
        ui.commit_imports(ready, dataset, year)

st.divider()
st.subheader("导入记录")
ui.import_history()
