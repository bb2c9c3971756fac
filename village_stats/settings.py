"""The one readable settings file (settings.toml), parsed into a frozen object."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS_PATH = REPO_ROOT / "settings.toml"
WAN = Decimal(10_000)
PRIVACY_CHOICES = ("everyone", "admin", "nobody")
# the 驾驶舱's 要点/预警 rules (village_stats/alerts.py), most important first
ALERT_RULES = (
    "low_income",
    "overdue_problems",
    "rectification_fall",
    "satisfaction_fall",
    "stale_tickets",
    "no_reserve_cadre",
    "studio_candidates",
    "studio_pace",
)
VILLAGE_VIEW_CHOICES = ("town", "own")
WALL_THEMES = ("light", "dark")


@dataclass(frozen=True)
class Settings:
    town: str = "青溪镇"
    income_thresholds_wan: tuple[Decimal, ...] = (Decimal(20), Decimal(50), Decimal(100))
    weak_total_below_wan: Decimal = Decimal(20)
    weak_operating_below_wan: Decimal = Decimal(10)
    arenas: tuple[str, ...] = ("党建引领", "产业发展", "城镇建设", "社会事业", "乡村振兴")
    ticket_kinds: tuple[str, ...] = ("群众建议", "支部派单", "服务代办")
    ticket_units: tuple[str, ...] = ("件", "件次", "人次")
    max_file_mb: int = 50
    lock_wait_seconds: float = 30.0
    viewers_must_sign_in: bool = False
    session_idle_hours: float = 8.0
    max_failed_sign_ins: int = 5
    lockout_minutes: float = 15.0
    points_low_threshold: Decimal = Decimal(60)
    points_top: int = 10
    studio_target: int = 25
    studio_deadline: date = date(2026, 12, 31)
    low_scorer_names: str = "admin"  # everyone | admin | nobody: who sees the names of low scorers
    alert_rules: tuple[str, ...] = ALERT_RULES  # the rules that may fire, most important first
    alerts_shown: int = 4  # callouts on the overview: four fit beside two charts at 1366×768
    ticket_open_days: int = 30  # a ticket not done this many days after it was ordered is overdue
    rate_fall_points: Decimal = Decimal("0.5")  # a fall of 整改率/满意率 by more than this many points fires
    round_change_warning_pct: Decimal = Decimal(50)  # 报送: a value moving more than this % from last year
    round_chase_days: int = 3  # 催报 after the due date: "请于 today + N 天前报送"
    village_accounts_see: str = "town"  # town | own: what a village account may view besides its own rounds
    wall_theme: str = "dark"  # 大屏 (?screen=wall): light | dark
    wall_refresh_seconds: int = 30  # how often the 大屏 looks for new data; an import shows within this
    server_names: tuple[str, ...] = ()  # host names (besides IPs and localhost) the dashboard answers to

    @property
    def income_thresholds_yuan(self) -> tuple[Decimal, ...]:
        return tuple(t * WAN for t in self.income_thresholds_wan)

    def tier_params(self) -> dict[str, Decimal]:
        """The three income thresholds as the `$t1 $t2 $t3` query parameters, in 元."""
        low, mid, high = self.income_thresholds_yuan
        return {"t1": low, "t2": mid, "t3": high}

    def ticket_unit(self, kind: str) -> str:
        return dict(zip(self.ticket_kinds, self.ticket_units, strict=True)).get(kind, "件")

    def for_town(self, town: str | None) -> Settings:
        """These settings for the town a database records (db.recorded_town); unchanged when it records none."""
        return self if not town or town == self.town else replace(self, town=town)


def settings_path() -> Path:
    return Path(os.environ.get("VILLAGE_STATS_SETTINGS", DEFAULT_SETTINGS_PATH))


def load_settings(path: Path | None = None) -> Settings:
    """Read settings.toml; a missing file or key falls back to the defaults above."""
    path = path or settings_path()
    raw = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    town = raw.get("town", {})
    income = raw.get("income", {})
    projects = raw.get("projects", {})
    tickets = raw.get("tickets", {})
    importing = raw.get("import", {})
    access = raw.get("access", {})
    defaults = Settings()
    viewers_must_sign_in = access.get("viewers_must_sign_in", defaults.viewers_must_sign_in)
    if not isinstance(viewers_must_sign_in, bool):
        raise ValueError(f"设置文件 {path}：access.viewers_must_sign_in 须为 true 或 false（不带引号）")
    points = raw.get("points", {})
    studios = raw.get("studios", {})
    privacy = raw.get("privacy", {})
    names_to = privacy.get("low_scorer_names", defaults.low_scorer_names)
    if names_to not in PRIVACY_CHOICES:
        raise ValueError(f"设置文件 {path}：privacy.low_scorer_names 须为 {' | '.join(PRIVACY_CHOICES)} 之一")
    rounds = raw.get("rounds", {})
    village_view = rounds.get("village_accounts_see", defaults.village_accounts_see)
    if village_view not in VILLAGE_VIEW_CHOICES:
        raise ValueError(f"设置文件 {path}：rounds.village_accounts_see 须为 {' | '.join(VILLAGE_VIEW_CHOICES)} 之一")
    wall = raw.get("wall", {})
    wall_theme = wall.get("theme", defaults.wall_theme)
    if wall_theme not in WALL_THEMES:
        raise ValueError(f"设置文件 {path}：wall.theme 须为 {' | '.join(WALL_THEMES)} 之一")
    deadline = studios.get("deadline", defaults.studio_deadline)
    if isinstance(deadline, str):
        deadline = date.fromisoformat(deadline)
    thresholds = tuple(Decimal(str(t)) for t in income.get("thresholds_wan", defaults.income_thresholds_wan))
    if len(thresholds) != 3 or list(thresholds) != sorted(thresholds):
        raise ValueError(f"设置文件 {path}：thresholds_wan 须为从小到大的三个数（万元）")
    kinds = tuple(tickets.get("kinds", defaults.ticket_kinds))
    units = tuple(tickets.get("units", defaults.ticket_units))
    if len(kinds) != len(units):
        raise ValueError(f"设置文件 {path}：tickets.kinds 与 tickets.units 个数须相同")
    alerts = raw.get("alerts", {})
    rules = tuple(alerts.get("rules", defaults.alert_rules))
    unknown = [rule for rule in rules if rule not in ALERT_RULES]
    if unknown:
        known = "、".join(ALERT_RULES)
        raise ValueError(f"设置文件 {path}：alerts.rules 中的 {'、'.join(unknown)} 不是已知规则（{known}）")
    return Settings(
        town=town.get("name", defaults.town),
        income_thresholds_wan=thresholds,
        weak_total_below_wan=Decimal(str(income.get("weak_total_below_wan", defaults.weak_total_below_wan))),
        weak_operating_below_wan=Decimal(
            str(income.get("weak_operating_below_wan", defaults.weak_operating_below_wan))
        ),
        arenas=tuple(projects.get("arenas", defaults.arenas)),
        ticket_kinds=kinds,
        ticket_units=units,
        max_file_mb=int(importing.get("max_file_mb", defaults.max_file_mb)),
        lock_wait_seconds=float(importing.get("lock_wait_seconds", defaults.lock_wait_seconds)),
        viewers_must_sign_in=viewers_must_sign_in,
        session_idle_hours=float(access.get("session_idle_hours", defaults.session_idle_hours)),
        max_failed_sign_ins=max(1, int(access.get("max_failed_sign_ins", defaults.max_failed_sign_ins))),
        lockout_minutes=float(access.get("lockout_minutes", defaults.lockout_minutes)),
        points_low_threshold=Decimal(str(points.get("low_threshold", defaults.points_low_threshold))),
        points_top=int(points.get("top", defaults.points_top)),
        studio_target=int(studios.get("target", defaults.studio_target)),
        studio_deadline=deadline,
        low_scorer_names=names_to,
        alert_rules=rules,
        alerts_shown=max(1, int(alerts.get("shown", defaults.alerts_shown))),
        ticket_open_days=max(0, int(alerts.get("ticket_open_days", defaults.ticket_open_days))),
        rate_fall_points=Decimal(str(alerts.get("rate_fall_points", defaults.rate_fall_points))),
        round_change_warning_pct=Decimal(str(rounds.get("change_warning_pct", defaults.round_change_warning_pct))),
        round_chase_days=int(rounds.get("chase_days", defaults.round_chase_days)),
        village_accounts_see=village_view,
        wall_theme=wall_theme,
        wall_refresh_seconds=max(5, int(wall.get("refresh_seconds", defaults.wall_refresh_seconds))),
        server_names=_server_names(access.get("server_names", defaults.server_names), path),
    )


def _server_names(value: object, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'设置文件 {path}：access.server_names 须为域名列表，如 ["kanban.qingxi.gov.cn"]')
    return tuple(v.strip() for v in value if v.strip())
