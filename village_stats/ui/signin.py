"""Accounts and sign-in: who this session is and what it may do."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import streamlit as st

from village_stats import access
from village_stats.errors import VillageStatsError
from village_stats.ui.state import database, settings
from village_stats.ui.widgets import plain, show_refusal

# A session's sign-in lives in st.session_state (server memory, one browser tab): auth_user,
# auth_role, auth_changed_at (the account's changed_at when it signed in) and auth_last_seen.
# "auth_role" = "viewer" on its own (no auth_user) is honoured as a downgrade: code and tests may
# always make a session a viewer, never an admin.

_AUTH_KEYS = ("auth_user", "auth_role", "auth_changed_at", "auth_last_seen")


def now() -> datetime:
    return datetime.now()


@st.cache_data(show_spinner=False, max_entries=20)
def _accounts(path: str, version: tuple[int, ...]) -> tuple[access.Account, ...]:
    return tuple(access.accounts(access.store_of(database())))


def accounts() -> tuple[access.Account, ...]:
    """Every account (no hashes), cached until the account store changes (`user add` changes it)."""
    store = access.store_of(database())
    return _accounts(str(store.path), store.version())


def _host() -> str | None:
    """The Host header of this session's request; None outside a browser (AppTest)."""
    return st.context.headers.get("host")


def server_is_loopback() -> bool:
    """Whether only this computer can reach the app: server.address, no reverse proxy in front, a loopback Host."""
    return access.serves_this_computer_only(st.get_option("server.address"), st.context.headers, _host())


def host_gate() -> None:
    """Stop the run before any page, sidebar or data when the request came in on a name we do not serve."""
    host = _host()
    if not access.host_allowed(host, settings().server_names):
        st.error(plain(access.host_refusal(host or "")), icon=":material/block:")
        st.stop()


def sign_out(message: str | None = None, warn: bool = False) -> None:
    """End the session's sign-in; `message` is shown on the next run (as a warning that stays, if `warn`)."""
    for key in _AUTH_KEYS:
        st.session_state.pop(key, None)
    if message:
        st.session_state["auth_warning" if warn else "auth_notice"] = message


def _signed_in() -> access.Account | None:
    """The session's account if its sign-in still holds: not idle too long, account unchanged."""
    name = st.session_state.get("auth_user")
    if name is None:
        return None
    account = next((a for a in accounts() if a.name == name), None)
    if account is None or account.changed_at != st.session_state.get("auth_changed_at"):
        sign_out("账号的密码或角色已修改（或账号已删除），请重新登录。", warn=True)
        return None
    idle = timedelta(hours=settings().session_idle_hours)
    if access.session_expired(st.session_state.get("auth_last_seen", datetime.min), now(), idle):
        sign_out(f"超过 {settings().session_idle_hours:g} 小时未操作，已自动退出登录。", warn=True)
        return None
    st.session_state["auth_last_seen"] = now()
    return account


def current_access() -> access.Access:
    """What this session may do; checked afresh on every script run."""
    account = _signed_in()
    if account is None and st.session_state.get("auth_role") == access.VIEWER:
        account = access.Account(access.LOCAL_USER, access.VIEWER, datetime.min)
    return access.decide(accounts(), account, server_is_loopback(), settings().viewers_must_sign_in)


def current_role() -> str:
    """The session's role: "admin" or "viewer"."""
    return current_access().role


def current_user() -> str | None:
    """Who is acting (an account, 本机用户 in single-user mode), or None for an anonymous viewer."""
    return current_access().user


def admin_refusal() -> str | None:
    """Why this session may not change data (Chinese, with what to do), or None when it may."""
    return current_access().refusal


def may_change_data(action: str) -> bool:
    """True for an admin; otherwise says why `action` is not offered and returns False."""
    refusal = admin_refusal()
    if refusal:
        st.info(f"{action}：{refusal}", icon=":material/lock:")
    return refusal is None


def _sign_in_form(key: str) -> None:
    with st.form(key, clear_on_submit=True, border=key != "auth_sidebar_form"):
        name = st.text_input("用户名", key=f"{key}_name", autocomplete="username")
        password = st.text_input("密码", type="password", key=f"{key}_password", autocomplete="current-password")
        if st.form_submit_button("登录", type="primary", key=f"{key}_submit"):
            throttle = access.Throttle(
                per_name=settings().max_failed_sign_ins, window=timedelta(minutes=settings().lockout_minutes)
            )
            try:
                outcome = access.sign_in(database(), name, password, throttle, now())
            except VillageStatsError as busy:
                show_refusal(busy)
                return
            except (sqlite3.Error, OSError) as error:  # e.g. a read-only data folder: failures cannot be recorded
                st.error(f"登录暂时无法完成：数据库无法写入（{plain(error)}）。请联系管理员检查数据目录。")
                return
            if outcome.account is None:
                st.error(plain(outcome.message), icon=":material/block:")
                return
            sign_out()
            st.session_state["auth_user"] = outcome.account.name
            st.session_state["auth_role"] = outcome.account.role
            st.session_state["auth_changed_at"] = outcome.account.changed_at
            st.session_state["auth_last_seen"] = now()
            st.session_state["auth_notice"] = outcome.message
            st.rerun()


def access_sidebar() -> bool:
    """The sign-in state in the sidebar (banner, sign-in form or who is signed in); whether the pages may be shown."""
    rights = current_access()
    with st.sidebar:
        if "auth_notice" in st.session_state:
            st.toast(plain(st.session_state.pop("auth_notice")))
        if "auth_warning" in st.session_state:
            st.warning(st.session_state.pop("auth_warning"), icon=":material/logout:")
        if rights.banner:
            (st.info if rights.local else st.warning)(rights.banner, icon=":material/person:")
        if "auth_user" in st.session_state:
            role = access.ROLES[rights.role]
            st.markdown(f"已登录：**{plain(str(rights.user))}**（{role}）")
            st.button(
                "退出登录", key="auth_sign_out", icon=":material/logout:", on_click=sign_out, args=("已退出登录。",)
            )
        elif rights.may_view and not rights.local and accounts():
            with st.expander("登录", icon=":material/login:"):
                _sign_in_form("auth_sidebar_form")
    return rights.may_view


def sign_in_page() -> None:
    """The whole page when viewing needs a sign-in (settings: access.viewers_must_sign_in)."""
    st.title("登录村情看板")
    if not accounts():
        st.warning(
            "查看看板需要登录，但还没有任何账号。请负责看板的同事在运行看板的电脑上创建管理员和查看账号"
            "（见使用说明“账号与登录”）。",
            icon=":material/person_add:",
        )
        return
    st.caption("本看板设置为登录后才能查看。没有账号请联系管理员。")
    left, _ = st.columns([1, 2])
    with left:
        _sign_in_form("auth_page_form")
