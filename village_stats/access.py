"""Accounts and sign-in: password hashes, throttling of failed sign-ins, session expiry, who may do what.

No streamlit here: `ui.signin` keeps the session and draws the forms, the CLI manages
accounts, and everything that decides is a pure function of its inputs (clock
included), so the tests need no sleeps. See docs/decisions.md, "Accounts and sign-in".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from village_stats.account_store import AccountStore, as_text
from village_stats.db import Database
from village_stats.errors import VillageStatsError

ADMIN, VIEWER, VILLAGE = "admin", "viewer", "village"
ROLES = {ADMIN: "管理员", VIEWER: "查看", VILLAGE: "村(社区)填报"}
LOCAL_USER = "本机用户"
ADD_ADMIN = "python -m village_stats user add 姓名 --role admin"

# scrypt: memory-hard (128·n·r bytes = 32 MiB per check), ~0.15 s on our 2-core machine
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 32
# what a stored hash may ask of us: enough for stronger parameters later, never a memory bomb
_MAX_SCRYPT_MEMORY = 2**28


class AccessError(VillageStatsError, ValueError):
    """An account operation that cannot be done as asked; the message is Chinese."""

    code = "access-refused"


# ---- passwords --------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    memory = 128 * r * (n + p + 2)
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=memory + 2**20)


def hash_password(
    password: str, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P, salt: bytes | None = None
) -> str:
    """`scrypt$n$r$p$salt$key` (base64): a fresh random salt per call, the parameters kept with the hash."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    key = _scrypt(password, salt, n, r, p, KEY_BYTES)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, key = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    sane = n > 1 and n & (n - 1) == 0 and 1 <= r <= 64 and 1 <= p <= 16 and 128 * r * (n + p + 2) <= _MAX_SCRYPT_MEMORY
    return (n, r, p, salt, key) if sane and salt and key else None


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a `hash_password` string; the keys are compared in constant time."""
    parsed = _parse(stored)
    if parsed is None:
        return False
    n, r, p, salt, key = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(key)), key)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("", salt=bytes(SALT_BYTES))


def check_password(password: str) -> str:
    """The password if it is acceptable; otherwise why not (Chinese)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符。")
    if password.strip() != password:
        raise AccessError("密码首尾不能有空格。")
    return password


def check_user_name(name: str) -> str:
    """The name as stored (NFC, trimmed) if usable as a sign-in name."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise AccessError("请给出用户名。")
    if len(name) > MAX_NAME_LENGTH:
        raise AccessError(f"用户名最多 {MAX_NAME_LENGTH} 个字符。")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in name):
        raise AccessError("用户名不能含空格或控制字符。")
    return name


# ---- who may do what ---------------------------------------------------------------------


def is_loopback(address: str | None) -> bool:
    """Whether a `server.address` serves this computer only; unset means every interface."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


# Headers a reverse proxy adds. Behind one, Streamlit itself listens on loopback although the
# app serves the network; a client sending them itself only makes its own session less trusted.
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host")


def serves_this_computer_only(address: str | None, headers: Iterable[str] = (), host: str | None = None) -> bool:
    """Loopback address, no sign of a reverse proxy in the request's header names, and a loopback Host.

    The Host matters because of DNS rebinding: a web page on a name that its owner makes resolve
    to 127.0.0.1 reaches a loopback server from the visitor's own browser, as if local.
    """
    loopback_host = host is None or is_loopback(host_name(host))
    return is_loopback(address) and loopback_host and not {h.lower() for h in headers} & set(PROXY_HEADERS)


def host_name(host: str) -> str:
    """The name or address in a Host header, without its port: `[::1]:8501` → `::1`, `Town.lan.:80` → `town.lan`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.index("]")] if "]" in host else host[1:]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_allowed(host: str | None, server_names: Iterable[str] = ()) -> bool:
    """Whether a request with this Host header may see the dashboard at all.

    Allowed: loopback (`localhost`, 127.x, ::1), any IP address written as such (a browser
    sends one only when the address was typed: a rebinding page always has a name), and the
    names in settings (`access.server_names`, for a server reached by name or behind a proxy).
    No Host at all is not a browser (AppTest, bare mode): HTTP/1.1 and WebSockets require it.
    """
    if host is None:
        return True
    name = host_name(host)
    if not name:
        return False
    return is_loopback(name) or _is_address(name) or name in {host_name(n) for n in server_names}


def host_refusal(host: str) -> str:
    """What a request on an unknown name is told instead of the dashboard (Chinese)."""
    shown = "".join(ch for ch in host if ch.isprintable())[:80]
    return (
        f"本看板不通过“{shown}”这个地址提供服务。请用服务器的 IP 地址、localhost，"
        "或在设置文件 [access] 的 server_names 中登记的域名访问。"
    )


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    changed_at: datetime
    unit: str | None = None  # a village account's village or community (role village only)


@dataclass(frozen=True)
class Access:
    """What this session may do, and what to tell the user about it."""

    role: str  # ADMIN, VIEWER or VILLAGE
    user: str | None  # who is acting: the account, 本机用户, or None for an anonymous viewer
    may_view: bool
    refusal: str | None  # why data may not be changed, with what to do about it; None = admin
    banner: str | None = None  # the mode the whole app runs in, when the user must know it
    local: bool = False  # single local user: no accounts at all, server on loopback
    unit: str | None = None  # VILLAGE: the one village or community it submits for


def decide(
    accounts: Iterable[Account], signed_in: Account | None, loopback: bool, viewers_must_sign_in: bool
) -> Access:
    """The session's rights from the accounts that exist, who is signed in and where the server listens."""
    accounts = list(accounts)
    if signed_in is not None:
        if signed_in.role == ADMIN:
            return Access(ADMIN, signed_in.name, True, None)
        if signed_in.role == VILLAGE:
            refusal = (
                f"村(社区)账号只能在“报送”页为{signed_in.unit}报送数据；其他导入、撤销和保存查询需要镇里的管理员账号。"
            )
            return Access(VILLAGE, signed_in.name, True, refusal, unit=signed_in.unit)
        refusal = "当前账号只能查看。导入、撤销导入和保存查询需要管理员账号，请退出后用管理员账号登录。"
        return Access(VIEWER, signed_in.name, True, refusal)
    if not accounts and loopback:
        banner = (
            "本机单用户模式：尚未创建任何账号，看板只在本机（127.0.0.1）提供服务，打开它的人就是管理员。"
            f"多人使用前请先创建管理员：`{ADD_ADMIN}`。"
        )
        return Access(ADMIN, LOCAL_USER, True, None, banner, local=True)
    if not any(a.role == ADMIN for a in accounts):
        where = "看板正在网络上提供服务，但" if not loopback else ""
        # command lines are for an admin at this computer (the banner above); anyone else is told whom to ask
        refusal = (
            f"{where}还没有管理员账号，导入、撤销导入和保存查询已停用。"
            "请负责看板的同事在运行看板的电脑上创建管理员账号（见使用说明“账号与登录”），再在左侧栏登录。"
        )
        return Access(VIEWER, None, not viewers_must_sign_in, refusal, refusal if not loopback else None)
    refusal = "导入、撤销导入和保存查询需要管理员登录，请在左侧栏登录。"
    return Access(VIEWER, None, not viewers_must_sign_in, refusal)


# ---- sessions and throttling (pure, clock passed in) -------------------------------------


def session_expired(last_seen: datetime, now: datetime, idle: timedelta) -> bool:
    """A session ends after `idle` without any interaction (a clock set back counts as activity)."""
    return now - last_seen > idle


@dataclass(frozen=True)
class Throttle:
    """At most `per_name` failed sign-ins per user name, and `overall` for all names together, per `window`."""

    per_name: int = 5
    window: timedelta = timedelta(minutes=15)
    overall_factor: int = 10

    @property
    def overall(self) -> int:
        return self.per_name * self.overall_factor


def _wait(failures: list[datetime], limit: int, window: timedelta, now: datetime) -> timedelta:
    recent = sorted(t for t in failures if now - window < t <= now)
    if len(recent) < limit:
        return timedelta(0)
    # attempts resume when the limit-th most recent failure leaves the window
    return recent[-limit] + window - now


def throttle_wait(
    name_failures: list[datetime], all_failures: list[datetime], now: datetime, throttle: Throttle
) -> timedelta:
    """How long a sign-in for this name must wait; zero when it may be tried now."""
    return max(
        _wait(name_failures, throttle.per_name, throttle.window, now),
        _wait(all_failures, throttle.overall, throttle.window, now),
    )


def wait_words(wait: timedelta) -> str:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return f"{minutes} 分钟"


# ---- the accounts in their store ------------------------------------------------------------
# The store is a file of its own beside the database (account_store.py); the functions take the
# Database (or the store itself) so callers need not know where accounts live.


def _store(where: Database | AccountStore) -> AccountStore:
    return where if isinstance(where, AccountStore) else AccountStore.beside(where.path)


def store_of(database: Database) -> AccountStore:
    """The account store that belongs to `database`."""
    return _store(database)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def accounts(where: Database | AccountStore) -> list[Account]:
    """Every account (without its hash), by name; none while there is no store (nothing is created to look)."""
    store = _store(where)
    if not store.path.exists():
        return []
    with store.read() as con:
        rows = con.execute("select name, role, changed_at, unit from users order by name").fetchall()
    return [Account(name, role, _moment(changed), unit) for name, role, changed, unit in rows]


def _exists(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("select count(*) from users where name = :name", {"name": name}).fetchone()[0] > 0


def check_unit_for_role(role: str, unit: str | None) -> None:
    """A village account has a unit, and no other account has one."""
    if (role == VILLAGE) != bool(unit):
        raise AccessError(
            "村(社区)账号须用 --unit 指定所属村(社区)，如 --role village --unit 北垞村。"
            if role == VILLAGE
            else "--unit 只用于村(社区)账号（--role village）。"
        )


def add_user(
    database: Database,
    name: str,
    role: str,
    password: str,
    by: str,
    now: datetime | None = None,
    unit: str | None = None,
) -> str:
    """A new account; returns its stored name. A village account names its unit (checked by the caller
    against the registry), and only a village account has one."""
    name = check_user_name(name)
    if role not in ROLES:
        raise AccessError(f"角色须为 {' 或 '.join(ROLES)}。")
    check_unit_for_role(role, unit)
    digest = hash_password(check_password(password))
    now = now or datetime.now()
    with _store(database).transaction() as con:
        if _exists(con, name):
            raise AccessError(f"用户 {name} 已存在；修改密码请用 user passwd {name}。")
        con.execute(
            "insert into users (name, role, password_hash, created_at, created_by, changed_at, unit) "
            "values (:name, :role, :hash, :now, :by, :now, :unit)",
            {"name": name, "role": role, "hash": digest, "now": as_text(now), "by": by, "unit": unit},
        )
    return name


def change_password(database: Database, name: str, password: str, now: datetime | None = None) -> None:
    """A new password; sessions signed in with the old one end at their next interaction."""
    digest = hash_password(check_password(password))
    with _store(database).transaction() as con:
        if not _exists(con, name):
            raise AccessError(f"没有用户 {name}。")
        con.execute(
            "update users set password_hash = :hash, changed_at = :now where name = :name",
            {"name": name, "hash": digest, "now": as_text(now or datetime.now())},
        )
        con.execute("delete from sign_in_failures where user_name = :name", {"name": name})


def remove_user(database: Database, name: str) -> str:
    """Delete an account; returns the role it had."""
    with _store(database).transaction() as con:
        row = con.execute("select role from users where name = :name", {"name": name}).fetchone()
        if row is None:
            raise AccessError(f"没有用户 {name}。")
        con.execute("delete from users where name = :name", {"name": name})
        con.execute("delete from sign_in_failures where user_name = :name", {"name": name})
    return str(row[0])


def user_rows(database: Database) -> list[tuple[str, str, datetime, str, datetime, str | None]]:
    """(name, role, created_at, created_by, changed_at, unit) of every account, for `user list`."""
    store = _store(database)
    if not store.path.exists():
        return []
    with store.read() as con:
        rows = con.execute(
            "select name, role, created_at, created_by, changed_at, unit from users order by name"
        ).fetchall()
    return [
        (name, role, _moment(created), by, _moment(changed), unit) for name, role, created, by, changed, unit in rows
    ]


def failure_count(database: Database, name: str | None = None) -> int:
    """Failed sign-ins on record (for one name, or all): what the throttle counts."""
    store = _store(database)
    if not store.path.exists():
        return 0
    with store.read() as con:
        if name is None:
            return con.execute("select count(*) from sign_in_failures").fetchone()[0]
        return con.execute("select count(*) from sign_in_failures where user_name = :n", {"n": name}).fetchone()[0]


@dataclass(frozen=True)
class SignIn:
    account: Account | None
    message: str  # Chinese: why not, or a greeting


def sign_in(database: Database, name: str, password: str, throttle: Throttle, now: datetime) -> SignIn:
    """Check a sign-in. Failures are recorded in the account store, so neither a reload nor a restart resets them.

    Each attempt is one transaction, taken before anything is read (BEGIN IMMEDIATE), and is
    counted as a failure before its password is checked: simultaneous attempts queue on the
    store's lock, so however many arrive at once, at most `per_name` passwords are checked
    per window. A success then removes the name's failures, its own provisional one included.
    While a name is throttled its password is not even checked (no guessing oracle) and the
    attempt is not recorded (the wait does not grow). An unknown name costs the same hash
    as a known one and fails with the same words.
    """
    name = unicodedata.normalize("NFC", name.strip())[:100]
    since = as_text(now - throttle.window)
    store = _store(database)
    with store.transaction() as con:
        failures = con.execute(
            "select user_name, failed_at from sign_in_failures where failed_at > :since", {"since": since}
        ).fetchall()
        mine = [_moment(t) for who, t in failures if who == name]
        wait = throttle_wait(mine, [_moment(t) for _, t in failures], now, throttle)
        if wait > timedelta(0):
            return SignIn(None, f"登录失败次数过多，请 {wait_words(wait)}后再试。")
        con.execute("delete from sign_in_failures where failed_at <= :since", {"since": since})
        con.execute("insert into sign_in_failures values (:name, :now)", {"name": name, "now": as_text(now)})
        row = con.execute(
            "select role, changed_at, password_hash, unit from users where name = :name", {"name": name}
        ).fetchone()
    # the slow hash runs outside the transaction: other attempts need not wait for it
    if row is not None and verify_password(password, row[2]):
        with store.transaction() as con:
            con.execute("delete from sign_in_failures where user_name = :name", {"name": name})
        return SignIn(Account(name, row[0], _moment(row[1]), row[3]), f"已登录：{name}（{ROLES[row[0]]}）")
    if row is None:
        verify_password(password, _dummy_hash())
    left = throttle.per_name - len(mine) - 1
    hint = f"还可再试 {left} 次。" if left > 0 else f"请 {wait_words(throttle.window)}后再试。"
    return SignIn(None, f"用户名或密码错误，{hint}")
