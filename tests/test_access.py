"""Accounts: password hashes, who may do what, throttled sign-ins and idle sessions, with an injected clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from village_stats import access
from village_stats.access import ADMIN, VIEWER, Account, Throttle
from village_stats.db import Database

T0 = datetime(2026, 3, 2, 9, 0, 0)
THROTTLE = Throttle(per_name=5, window=timedelta(minutes=15), overall_factor=2)


# ---- password hashes ------------------------------------------------------------------------


def test_a_hash_is_scrypt_with_its_parameters_and_a_fresh_salt():
    first, second = access.hash_password("村情看板2026"), access.hash_password("村情看板2026")
    scheme, n, r, p, salt, key = first.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**15, 8, 1)
    assert first != second and first.split("$")[4] != second.split("$")[4]  # per-hash salt
    assert "村情看板2026" not in first
    # the stored key is scrypt of the password with the stored salt and parameters, nothing else
    expected = hashlib.scrypt(
        "村情看板2026".encode(), salt=base64.b64decode(salt), n=2**15, r=8, p=1, maxmem=2**26, dklen=32
    )
    assert base64.b64decode(key) == expected


def test_verify_accepts_only_the_password():
    stored = access.hash_password("correct horse", n=2**10)
    assert access.verify_password("correct horse", stored)
    assert not access.verify_password("correct horse ", stored)
    assert not access.verify_password("Correct horse", stored)
    assert not access.verify_password("", stored)


def test_verify_uses_the_parameters_stored_with_the_hash():
    weak = access.hash_password("pw-older-params", n=2**12, r=4, p=2)
    assert access.verify_password("pw-older-params", weak)
    assert not access.verify_password("pw-older-params", weak.replace("$4096$", "$8192$", 1))


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain-password",
        "scrypt$16384$8$1$c2FsdA==",  # a part missing
        "scrypt$1000$8$1$c2FsdA==$a2V5",  # n not a power of two
        "scrypt$1073741824$8$1$c2FsdA==$a2V5",  # 1 TiB of memory: refused, not attempted
        "scrypt$16384$8$1$!!!$a2V5",  # not base64
        "md5$16384$8$1$c2FsdA==$a2V5",
    ],
)
def test_a_malformed_or_hostile_hash_never_verifies(stored):
    assert not access.verify_password("anything", stored)


def test_keys_are_compared_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    stored = access.hash_password("secret-pw", n=2**10)
    assert access.verify_password("secret-pw", stored) and not access.verify_password("wrong-pw", stored)
    assert len(calls) == 2


@pytest.mark.parametrize("password", ["", "short", "1234567", " padded-password"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(access.AccessError, match="密码"):
        access.check_password(password)


@pytest.mark.parametrize("name", ["", "   ", "张 三", "a\tb", "x" * 33, "bell\x07"])
def test_unusable_user_names_are_refused(name):
    with pytest.raises(access.AccessError, match="用户名"):
        access.check_user_name(name)


# ---- where the server listens, and what a session may do ----------------------------------


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        (None, False),  # Streamlit's default: every interface
        ("", False),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("dashboard.town.lan", False),
    ],
)
def test_loopback_addresses(address, loopback):
    assert access.is_loopback(address) is loopback


@pytest.mark.parametrize(
    ("headers", "local"),
    [
        ([], True),
        (["Host", "User-Agent", "Cookie"], True),
        (["Host", "X-Forwarded-For"], False),  # nginx in front, itself on loopback
        (["x-real-ip"], False),
        (["Forwarded"], False),
    ],
)
def test_a_reverse_proxy_in_front_of_a_loopback_server_means_the_network(headers, local):
    assert access.serves_this_computer_only("127.0.0.1", headers) is local
    assert not access.serves_this_computer_only("0.0.0.0", headers)


ADMIN_ACCOUNT = Account("张书记", ADMIN, T0)
VIEWER_ACCOUNT = Account("李干事", VIEWER, T0)


def test_no_accounts_on_loopback_is_one_local_admin_with_a_banner():
    rights = access.decide([], None, loopback=True, viewers_must_sign_in=True)
    assert (rights.role, rights.user, rights.may_view, rights.refusal, rights.local) == (
        ADMIN,
        access.LOCAL_USER,
        True,
        None,
        True,
    )
    assert "本机单用户模式" in rights.banner


def test_no_admin_on_a_network_server_refuses_changes_with_instructions():
    for existing in ([], [VIEWER_ACCOUNT]):
        rights = access.decide(existing, None, loopback=False, viewers_must_sign_in=False)
        assert rights.role == VIEWER and rights.may_view
        assert "还没有管理员账号" in rights.refusal and "python" not in rights.refusal  # in Chinese, no command line
        assert rights.banner == rights.refusal
    locked = access.decide([], None, loopback=False, viewers_must_sign_in=True)
    assert not locked.may_view


def test_viewer_accounts_without_an_admin_on_loopback_do_not_make_a_local_admin():
    rights = access.decide([VIEWER_ACCOUNT], None, loopback=True, viewers_must_sign_in=False)
    assert rights.role == VIEWER and "还没有管理员账号" in rights.refusal and rights.banner is None
    assert "python" not in rights.refusal  # command lines are for an admin at this computer only


@pytest.mark.parametrize("loopback", [True, False])
def test_with_an_admin_anonymous_is_a_viewer_and_signing_in_decides(loopback):
    existing = [ADMIN_ACCOUNT, VIEWER_ACCOUNT]
    anonymous = access.decide(existing, None, loopback, viewers_must_sign_in=False)
    assert (anonymous.role, anonymous.user, anonymous.may_view) == (VIEWER, None, True)
    assert "需要管理员登录" in anonymous.refusal
    assert not access.decide(existing, None, loopback, viewers_must_sign_in=True).may_view
    viewer = access.decide(existing, VIEWER_ACCOUNT, loopback, viewers_must_sign_in=True)
    assert (viewer.role, viewer.user, viewer.may_view) == (VIEWER, "李干事", True) and viewer.refusal
    admin = access.decide(existing, ADMIN_ACCOUNT, loopback, viewers_must_sign_in=True)
    assert (admin.role, admin.user, admin.may_view, admin.refusal) == (ADMIN, "张书记", True, None)


# ---- throttling and expiry (pure, clock injected) ----------------------------------------


def test_a_name_is_throttled_after_five_failures_until_the_oldest_leaves_the_window():
    failures = [T0 + timedelta(minutes=i) for i in range(4)]
    now = T0 + timedelta(minutes=4)
    assert access.throttle_wait(failures, failures, now, THROTTLE) == timedelta(0)
    failures.append(now)
    assert access.throttle_wait(failures, failures, now, THROTTLE) == timedelta(minutes=11)
    later = T0 + timedelta(minutes=15)  # the first failure has left the window
    assert access.throttle_wait(failures, failures, later, THROTTLE) == timedelta(0)


def test_failures_of_all_names_together_are_throttled_too():
    others = [T0 + timedelta(seconds=i) for i in range(THROTTLE.overall)]  # spread over many names
    now = T0 + timedelta(minutes=1)
    assert access.throttle_wait([], others, now, THROTTLE) > timedelta(0)
    assert access.throttle_wait([], others[1:], now, THROTTLE) == timedelta(0)


def test_old_and_future_failures_do_not_count():
    stale = [T0 - timedelta(hours=1)] * 10
    assert access.throttle_wait(stale, stale, T0, THROTTLE) == timedelta(0)


def test_sessions_expire_after_the_idle_time():
    idle = timedelta(hours=8)
    assert not access.session_expired(T0, T0 + idle, idle)
    assert access.session_expired(T0, T0 + idle + timedelta(seconds=1), idle)
    assert not access.session_expired(T0, T0 - timedelta(minutes=5), idle)


# ---- accounts in the database --------------------------------------------------------------


@pytest.fixture
def users(empty_db: Database) -> Database:
    access.add_user(empty_db, "张书记", ADMIN, "admin-password-1", by="测试", now=T0)
    access.add_user(empty_db, "李干事", VIEWER, "viewer-password-1", by="测试", now=T0)
    return empty_db


def test_accounts_are_stored_with_a_hash_only(users):
    with access.store_of(users).read() as con:
        rows = con.execute("select name, role, password_hash, created_by from users order by name").fetchall()
    assert [a.name for a in access.accounts(users)] == ["张书记", "李干事"]
    assert {(n, r, b) for n, r, _, b in rows} == {("张书记", ADMIN, "测试"), ("李干事", VIEWER, "测试")}
    for _, _, digest, _ in rows:
        assert digest.startswith("scrypt$32768$8$1$") and "password" not in digest


def test_adding_a_name_twice_or_a_bad_role_is_refused(users):
    with pytest.raises(access.AccessError, match="已存在"):
        access.add_user(users, "张书记", VIEWER, "another-password", by="测试")
    with pytest.raises(access.AccessError, match="角色"):
        access.add_user(users, "王五", "root", "another-password", by="测试")


def test_sign_in_gives_the_account_and_its_role(users):
    result = access.sign_in(users, "张书记", "admin-password-1", THROTTLE, T0)
    assert result.account == Account("张书记", ADMIN, T0)
    assert access.sign_in(users, "李干事", "viewer-password-1", THROTTLE, T0).account.role == VIEWER


def test_a_wrong_password_and_an_unknown_name_fail_alike(users):
    wrong = access.sign_in(users, "张书记", "nope-nope-nope", THROTTLE, T0)
    unknown = access.sign_in(users, "赵六", "nope-nope-nope", THROTTLE, T0)
    assert wrong.account is None and unknown.account is None
    assert wrong.message == unknown.message == "用户名或密码错误，还可再试 4 次。"


def test_failed_sign_ins_lock_the_name_and_survive_a_restart(users):
    for minute in range(5):
        assert access.sign_in(users, "张书记", "guess-guess", THROTTLE, T0 + timedelta(minutes=minute)).account is None
    reopened = Database(users.path)  # a page reload or a new server process: the count is in the file
    locked = access.sign_in(reopened, "张书记", "admin-password-1", THROTTLE, T0 + timedelta(minutes=5))
    assert locked.account is None and locked.message == "登录失败次数过多，请 10 分钟后再试。"
    # the locked name does not lock others, and the wait does not grow while locked
    assert access.sign_in(reopened, "李干事", "viewer-password-1", THROTTLE, T0 + timedelta(minutes=5)).account
    assert access.failure_count(reopened) == 5
    back = access.sign_in(reopened, "张书记", "admin-password-1", THROTTLE, T0 + timedelta(minutes=15))
    assert back.account is not None
    assert access.failure_count(reopened) == 0  # success forgets the name's failures


def test_a_new_password_replaces_the_old_and_moves_changed_at(users):
    later = T0 + timedelta(days=1)
    access.change_password(users, "张书记", "brand-new-password", now=later)
    assert access.sign_in(users, "张书记", "admin-password-1", THROTTLE, later).account is None
    assert access.sign_in(users, "张书记", "brand-new-password", THROTTLE, later).account.changed_at == later
    with pytest.raises(access.AccessError, match="没有用户"):
        access.change_password(users, "赵六", "brand-new-password")


def test_a_removed_account_cannot_sign_in(users):
    assert access.remove_user(users, "李干事") == VIEWER
    assert access.sign_in(users, "李干事", "viewer-password-1", THROTTLE, T0).account is None
    with pytest.raises(access.AccessError, match="没有用户"):
        access.remove_user(users, "李干事")


# ---- the accounts stay out of ad-hoc SQL ------------------------------------------------------

HIDDEN = [
    "select * from users",
    'select name, password_hash from main."USERS"',
    "summarize users",
    "describe sign_in_failures",
    "show users",
    "with u as (from users) select count(*) from u",
    "select * from villages where name in (select name from users)",
    "select * from query_table('us' || 'ers')",
    "select * from query(concat('select password_hash from ', 'users'))",
    "select * from histogram(users, password_hash)",
    "select * from pragma_storage_info('users')",
]


@pytest.mark.parametrize("sql", HIDDEN)
def test_ad_hoc_sql_cannot_read_the_accounts(sql):
    from village_stats import sandbox

    with pytest.raises(sandbox.SandboxRefused):
        sandbox.check_statement(sql)


def test_the_sandbox_child_refuses_the_accounts_and_still_answers_other_queries(users):
    """Through a real child on a file holding accounts: the hashes never come back."""
    from village_stats import sandbox

    with pytest.raises(sandbox.SandboxRefused, match="不能查询 users"):
        sandbox.run_sql(users.path, "select password_hash from users")
    assert sandbox.run_sql(users.path, "select count(*) as n from villages").frame["n"].iloc[0] == 0


def test_the_table_browser_does_not_list_the_accounts(users):
    from village_stats import gallery

    with users.read() as cur:
        names = {t.name for t in gallery.catalog(cur)}
    assert "villages" in names and "imports" in names
    assert not names & {"users", "sign_in_failures"}


# ---- simultaneous attempts ----------------------------------------------------------------------


class Gate:
    """Holds every password check until all `attempts` have either reached a check or been refused.

    Without it the attempts might happen to run one after another; with it, an attempt that is
    not serialised by the store reaches its check together with all the others, by construction.
    """

    def __init__(self, attempts: int, right_password: str) -> None:
        self.attempts, self.right = attempts, right_password
        self.checked, self.refused = [], 0
        self.state = threading.Condition()

    def verify(self, password: str, stored: str) -> bool:
        with self.state:
            self.checked.append(password)
            self.state.notify_all()
            assert self.state.wait_for(lambda: len(self.checked) + self.refused >= self.attempts, timeout=120)
        return password == self.right

    def attempt(self, database: Database, password: str) -> access.SignIn:
        outcome = access.sign_in(database, "张书记", password, THROTTLE, T0)
        if outcome.message.startswith("登录失败次数过多"):
            with self.state:
                self.refused += 1
                self.state.notify_all()
        return outcome

    def wait_for_checks(self, count: int) -> None:
        with self.state:
            assert self.state.wait_for(lambda: len(self.checked) >= count, timeout=120)


def test_ten_simultaneous_attempts_get_at_most_the_limit_of_password_checks(users, monkeypatch):
    gate = Gate(10, "admin-password-1")
    monkeypatch.setattr(access, "verify_password", gate.verify)
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda i: gate.attempt(users, f"guess-{i:04d}"), range(10)))
    assert len(gate.checked) == THROTTLE.per_name
    assert sum(o.message.startswith("登录失败次数过多") for o in outcomes) == 10 - THROTTLE.per_name
    assert access.failure_count(users, "张书记") == THROTTLE.per_name


def test_a_success_among_simultaneous_failures_clears_them(users, monkeypatch):
    """The right password is checked first, nine wrong ones arrive while it is being checked."""
    gate = Gate(10, "admin-password-1")
    monkeypatch.setattr(access, "verify_password", gate.verify)
    with ThreadPoolExecutor(max_workers=10) as pool:
        right = pool.submit(gate.attempt, users, "admin-password-1")
        gate.wait_for_checks(1)
        wrong = [pool.submit(gate.attempt, users, f"guess-{i:04d}") for i in range(9)]
        assert right.result().account is not None
        assert all(w.result().account is None for w in wrong)
    assert access.failure_count(users, "张书记") == 0
    monkeypatch.undo()
    assert access.sign_in(users, "张书记", "admin-password-1", THROTTLE, T0).account is not None


# ---- the Host header (DNS rebinding) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8501", True),
        ("localhost:8501", True),
        ("[::1]:8501", True),
        ("192.168.1.20:8501", True),  # an address typed into the browser: not a rebinding page
        ("kanban.qingxi.gov.cn", True),  # configured
        ("KANBAN.Qingxi.gov.cn.:443", True),
        ("rebind.test:8501", False),
        ("127.0.0.1.nip.io:8501", False),  # a name that resolves to loopback is still a name
        ("localhost.evil.test", False),
        ("", False),
        (None, True),  # no request at all (AppTest): HTTP/1.1 and WebSockets always send a Host
    ],
)
def test_only_loopback_addresses_and_configured_names_get_the_dashboard(host, allowed):
    assert access.host_allowed(host, ["kanban.qingxi.gov.cn"]) is allowed


@pytest.mark.parametrize(
    ("host", "local"),
    [("127.0.0.1:8501", True), ("localhost:8501", True), ("[::1]:8501", True), ("rebind.test:8501", False)],
)
def test_single_local_user_mode_needs_a_loopback_host(host, local):
    assert access.serves_this_computer_only("127.0.0.1", ["Host"], host) is local
    rights = access.decide([], None, access.serves_this_computer_only("127.0.0.1", ["Host"], host), False)
    assert rights.local is local and (rights.role == ADMIN) is local
