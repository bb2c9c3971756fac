"""报送: the town opens a round and watches who has reported; a village account submits its own sheet."""

import streamlit as st

from village_stats import access, ui

rights = ui.current_access()
st.title("报送")

if rights.role == access.VILLAGE:
    st.caption(f"{rights.unit} · 村(社区)填报账号：下载本村模板，填好后上传，检查通过即完成报送。")
    own = ui.rounds_for_unit(rights.unit)
    if not own:
        st.info(f"目前没有需要{rights.unit}报送的任务。", icon=":material/inbox:")
    elif len(own) == 1:
        ui.village_round(own[0], rights.unit)
    else:
        labels = {r.round_id: r.label() for r in own}
        chosen = st.selectbox("报送任务", list(labels), format_func=labels.get, key="rounds_village_pick")
        ui.village_round(next(r for r in own if r.round_id == chosen), rights.unit)
    st.divider()
    st.subheader("本村报送记录")
    ui.unit_history(rights.unit)
    st.stop()

st.caption(
    "镇里发起报送任务，给每个村(社区)下发已填好村名和年度的模板；各村用村(社区)账号上传，"
    "这里实时显示谁已报送、谁还没报，并生成催报通知。"
)
if rights.role == access.ADMIN:
    with st.expander("发起报送任务", icon=":material/add_task:"):
        ui.open_round_form()
listed = ui.round_list()
chosen = ui.pick_round(listed, key="rounds_pick")
if chosen is None:
    ui.empty_state("还没有报送任务。管理员可在上方“发起报送任务”，或运行 `python -m village_stats round open`。")
    st.stop()
ui.round_board(chosen, names_people=rights.role == access.ADMIN)
if ui.may_change_data("管理报送任务"):
    ui.round_admin_actions(chosen)
