"""Streamlit glue shared by the pages, by what it does (see each module).

This package and the files in views/ (the pages) are the only modules that import streamlit.
Pages call `ui.X`: every name is re-exported here.
"""

# ruff: noqa: F401 (every import here is a re-export)

from village_stats.ui.domain import (
    domain_page,
    empty_state,
    report_page,
    report_workbook,
    town_level_projects,
    town_ranking,
    year_report,
)
from village_stats.ui.figures import (
    CHART_ROWS,
    FIRST_SCREEN_CHART,
    chart,
    chart_rows,
    figure,
    glance,
    plot,
    ranked_chart,
    with_town_labels,
)
from village_stats.ui.first_run import DEMO_LABEL, PAGE_LEDGERS, demo_banner, empty_guide, first_run_page
from village_stats.ui.import_page import (
    UNCHANGED,
    commit_imports,
    import_history,
    import_results,
    issues_frame,
    preview_imports,
    show_import_outcome,
    uploader_in_chinese,
    uploader_key,
)
from village_stats.ui.signin import (
    access_sidebar,
    accounts,
    admin_refusal,
    current_access,
    current_role,
    current_user,
    host_gate,
    may_change_data,
    now,
    server_is_loopback,
    sign_in_page,
    sign_out,
)
from village_stats.ui.state import (
    ALL,
    ALL_TOWNS,
    FAVICON,
    READ_LINGER_SECONDS,
    Filters,
    database,
    database_is_empty,
    database_state,
    filters,
    first_run_needed,
    one_snapshot,
    run_query,
    settings,
    showing_demo,
    shown_database_path,
    sidebar_filters,
    today,
    town_rollup,
)
from village_stats.ui.submissions import (
    ROUND_PAGES,
    SUBMISSION_TYPES,
    get_round,
    may_submit_for,
    open_round_form,
    pick_round,
    round_admin_actions,
    round_board,
    round_list,
    round_notices,
    rounds_for_unit,
    sees_own_unit_only,
    submission_box,
    unit_history,
    village_round,
)
from village_stats.ui.tables import (
    DOWNLOAD_ROWS,
    PAGE_ROWS,
    counted_table,
    paged_table,
    table_with_downloads,
    with_town,
)
from village_stats.ui.widgets import (
    MISSING,
    SCREEN_CSS,
    alert_list,
    alerts_for,
    callouts,
    card,
    cards,
    compact_page,
    copy_text,
    import_line,
    kpi,
    page_header,
    paragraphs,
    plain,
    present,
    screen_css,
    show_refusal,
)
from village_stats.ui.workbench import (
    build_query,
    insert_picked,
    insert_sql,
    load_example,
    menu_query,
    names_hidden_below,
    open_linked_query,
    open_saved,
    quick_chart,
    result_with_downloads,
    run_explore,
    sandbox_error,
    save_form,
    save_query,
    saved_queries,
    table_catalog,
)
