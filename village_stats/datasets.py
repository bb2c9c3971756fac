"""The data model as data: every ledger (dataset), its table, columns, aliases, units and rules.

This module is the data model's one written form; there is no separate contract
file. Reading, validation, templates, the import page, the table browser and the
docs all read these definitions; nothing else restates a header, an alias, a
unit or a rule. Column `kind`s are the parsers in validation.py.

Each dataset also declares where it is shown: its dashboard page and its section
of the year's report, or an explicit `Without(...)` saying why it has none.
docs/adding-a-ledger.md lists every place a new ledger touches, and
tests/test_ledger_checklist.py fails while one of them is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# 元 per unit, for money headers and cells
UNIT_FACTORS: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


@dataclass(frozen=True)
class Column:
    name: str
    # text, integer, year, money, decimal, points, deduction, period, birth_year, date, timestamp, boolean,
    # stars, rating, village, choice
    kind: str
    header: str  # the template header, unit included where the template shows one
    aliases: tuple[str, ...] = ()
    description: str = ""
    required: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: tuple[str, ...] = ()
    choices_setting: str | None = None  # a Settings attribute that holds the choices instead
    default: str | None = None
    unit: str | None = None  # display unit (万元, 个, 分 …); money columns are stored in 元

    @property
    def sql_type(self) -> str:
        return {
            "integer": "integer",
            "year": "integer",
            "stars": "integer",
            "rating": "integer",
            "money": "decimal(18, 2)",
            "decimal": "decimal(5, 1)",
            "points": "decimal(6, 1)",
            "deduction": "decimal(6, 1)",
            "birth_year": "integer",
            "date": "date",
            "timestamp": "timestamp",
            "boolean": "boolean",
        }.get(self.kind, "varchar")


@dataclass(frozen=True)
class Check:
    """A rule across columns, as a SQL condition that is true for a bad row of the typed table."""

    code: str
    column: str  # the column the message points at
    bad_when: str
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class Without:
    """An explicit "none" in a ledger's checklist (no page, no report section), with the reason."""

    why: str


@dataclass(frozen=True)
class Dataset:
    name: str
    table: str
    title: str  # the ledger's Chinese name
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    default_money_unit: str = "万元"
    checks: tuple[Check, ...] = ()
    needs_year: bool = True  # a 年度 value must come from the sheet, its title, its name or the user
    aliases: tuple[str, ...] = field(default=())
    # column → SQL over the typed row that fills it when the sheet leaves it empty (总积分 = 基础分 + 加分 − 扣分)
    computed: tuple[tuple[str, str], ...] = ()
    # where the ledger is shown: its page ("views/sages.py") and its report section (a key of
    # reports.SECTION_TITLES), or Without(why); left None, tests/test_ledger_checklist.py fails
    page: str | Without | None = None
    report_section: str | Without | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def has_village(self) -> bool:
        return any(c.kind == "village" for c in self.columns)


TOWN = Column(
    "town",
    "text",
    "所属镇(街道)",
    ("镇", "乡镇", "街道", "所属乡镇", "所属镇", "所属街道", "镇(街道)"),
    "所属镇(街道)；缺省为设置中的本镇",
)
YEAR = Column("year", "year", "年度", ("年份",), "年度", required=True)


def _village(aliases: tuple[str, ...] = ("村名", "村(社区)", "单位")) -> Column:
    return Column("village", "village", "村(社区)名称", aliases, "村(社区)名称，须在村(社区)名录中", required=True)


def _money(name: str, header: str, aliases: tuple[str, ...], description: str, **rules) -> Column:
    return Column(name, "money", header, aliases, description, unit="万元", **rules)


ZERO = Decimal(0)

VILLAGES = Dataset(
    name="villages",
    table="villages",
    title="村(社区)名录",
    page=Without("名录不单独成页：各页按它计数、筛选村(社区)，在数据导入页导入"),
    report_section=Without("名录是各节计数的底数，不单列一节"),
    key=("town", "name"),
    needs_year=False,
    columns=(
        TOWN,
        Column("name", "text", "村(社区)名称", ("村名", "村(社区)", "单位", "名称"), "村(社区)正式全称", required=True),
        Column(
            "kind",
            "choice",
            "类型",
            ("村/社区",),
            "村 或 社区；缺省时按名称是否以“社区”结尾推断",
            choices=("村", "社区"),
        ),
        Column("area", "text", "片区", ("片",), "所属片区（镇→片→村）"),
        Column("households", "integer", "户数", (), "户数", minimum=ZERO, unit="户"),
        Column("population", "integer", "人口", ("户籍人口",), "户籍人口", minimum=ZERO, unit="人"),
        Column("party_members", "integer", "党员数", ("党员人数",), "党员人数", minimum=ZERO, unit="人"),
    ),
)

INCOME = Dataset(
    name="income",
    table="village_income",
    title="村级集体经济收入",
    page="views/income.py",
    report_section="income",
    key=("year", "town", "village"),
    columns=(
        YEAR,
        TOWN,
        _village(),
        _money(
            "total_income",
            "村集体经济总收入(万元)",
            ("村财收入", "总收入", "集体经济收入", "村集体经济总收入"),
            "村集体经济总收入",
            required=True,
            minimum=ZERO,
        ),
        _money("operating_income", "经营性收入(万元)", ("村级经营性收入",), "经营性收入", minimum=ZERO),
        _money("contract_income", "发包及上交收入(万元)", ("发包收入",), "发包及上交收入", minimum=ZERO),
        _money("investment_income", "投资收益(万元)", (), "投资收益（可为负，表示亏损）"),
        _money("subsidy_income", "补助收入(万元)", ("补助",), "补助收入", minimum=ZERO),
        _money("other_income", "其他收入(万元)", (), "其他收入", minimum=ZERO),
    ),
    checks=(
        Check(
            "operating-above-total",
            "operating_income",
            "operating_income > total_income",
            "经营性收入不能大于村集体经济总收入",
        ),
        Check(
            "components-mismatch",
            "total_income",
            "coalesce(contract_income, investment_income, subsidy_income, other_income) is not null "
            "and abs(coalesce(contract_income, 0) + coalesce(investment_income, 0) + coalesce(subsidy_income, 0)"
            " + coalesce(other_income, 0) - total_income) > 100",
            "各项收入之和与总收入相差超过0.01万元，请核对",
            severity="warning",
        ),
    ),
)

PROJECTS = Dataset(
    name="projects",
    table="projects",
    title="揭榜挂帅项目",
    page="views/projects.py",
    report_section="projects",
    key=("project_key",),
    columns=(
        Column("project_id", "text", "项目编号", ("编号",), "项目编号（有则唯一）"),
        YEAR,
        TOWN,
        Column("name", "text", "项目名称", ("项目",), "项目名称", required=True),
        Column("village", "village", "所属村(社区)", ("实施村", "村(社区)"), "所属村(社区)；空白为镇级项目"),
        Column("arena", "choice", "擂台", ("领域", "类别", "项目类别"), "所属擂台", choices_setting="arenas"),
        _money(
            "planned_investment", "计划总投资(万元)", ("总投资", "计划投资"), "计划总投资", required=True, minimum=ZERO
        ),
        _money("completed_investment", "已完成投资(万元)", ("完成投资",), "已完成投资", minimum=ZERO),
        Column("status", "choice", "项目状态", ("状态", "进度"), "谋划、在建或完工", choices=("谋划", "在建", "完工")),
        Column("leader", "text", "揭榜人", ("负责人", "责任人"), "揭榜人"),
        Column("start_date", "date", "开工日期", ("开工时间",), "开工日期"),
    ),
)

STARS = Dataset(
    name="stars",
    table="star_ratings",
    title="达标创星",
    page="views/stars.py",
    report_section="stars",
    key=("year", "town", "village"),
    columns=(
        Column("year", "year", "年度", ("评定年度", "届次年度", "年份"), "评定年度", required=True),
        TOWN,
        _village(("党组织", "村(社区)", "村名", "单位")),
        Column(
            "stars",
            "stars",
            "星级",
            ("评定星级",),
            "星级 0–5（五星级、5星、★★★★★ 均可）",
            required=True,
            minimum=ZERO,
            maximum=Decimal(5),
            unit="星",
        ),
        Column("score", "decimal", "评分", ("得分",), "评分 0–100", minimum=ZERO, maximum=Decimal(100), unit="分"),
        Column("weak", "boolean", "软弱涣散", ("是否软弱涣散",), "是否软弱涣散党组织（是/否）", default="否"),
    ),
)

TICKETS = Dataset(
    name="tickets",
    table="service_tickets",
    title="五单闭环服务工单",
    page="views/tickets.py",
    report_section="tickets",
    key=("ticket_id",),
    needs_year=False,
    columns=(
        Column("ticket_id", "text", "工单编号", ("编号", "单号"), "工单编号", required=True),
        TOWN,
        Column("village", "village", "村(社区)名称", ("村(社区)", "村名"), "村(社区)名称", required=True),
        Column("grid", "text", "网格", ("网格名称",), "网格"),
        Column(
            "kind",
            "choice",
            "类型",
            ("工单类型",),
            "群众建议、支部派单或服务代办",
            required=True,
            choices_setting="ticket_kinds",
        ),
        Column("category", "text", "诉求类别", ("类别",), "诉求类别"),
        Column("content", "text", "诉求内容", ("内容", "事项"), "诉求内容"),
        Column("ordered_at", "timestamp", "点单时间", ("群众点单时间", "提出时间"), "群众点单时间", required=True),
        Column("claimed_at", "timestamp", "领单时间", ("网格领单时间",), "网格领单时间"),
        Column("dispatched_at", "timestamp", "派单时间", ("支部派单时间",), "支部派单时间"),
        Column("done_at", "timestamp", "晒单时间", ("办结时间", "党员晒单时间"), "党员晒单（办结）时间"),
        Column(
            "rating",
            "rating",
            "评单",
            ("满意度", "群众评价"),
            "群众评单 1–5（满意=5，基本满意=3，不满意=1）",
            minimum=Decimal(1),
            maximum=Decimal(5),
            unit="分",
        ),
        Column("member", "text", "承办党员", ("办理人",), "承办党员"),
    ),
    checks=(
        Check("steps-out-of-order", "claimed_at", "claimed_at < ordered_at", "领单时间早于点单时间"),
        Check(
            "steps-out-of-order",
            "dispatched_at",
            "dispatched_at < coalesce(claimed_at, ordered_at)",
            "派单时间早于前一环节（领单/点单）时间",
        ),
        Check(
            "steps-out-of-order",
            "done_at",
            "done_at < coalesce(dispatched_at, claimed_at, ordered_at)",
            "晒单时间早于前一环节（派单/领单/点单）时间",
        ),
        Check(
            "rating-without-done", "rating", "rating is not null and done_at is null", "尚未晒单（办结）的工单不能评单"
        ),
    ),
)

PROBLEMS = Dataset(
    name="problems",
    table="problems",
    title="问题整改台账",
    page="views/problems.py",
    report_section="problems",
    key=("problem_id",),
    columns=(
        Column("problem_id", "text", "问题编号", ("编号",), "问题编号", required=True),
        YEAR,
        TOWN,
        _village(("党组织", "村(社区)", "村名")),
        Column("source", "text", "问题来源", ("来源",), "党建体检、述职评议、集中督查、交叉互查等"),
        Column("category", "choice", "问题类型", ("类型",), "共性 或 个性", choices=("共性", "个性")),
        Column("description", "text", "问题描述", ("问题", "具体问题"), "问题描述", required=True),
        Column("responsible", "text", "责任人", (), "整改责任人"),
        Column("deadline", "date", "整改时限", ("整改期限",), "整改时限"),
        Column(
            "status",
            "choice",
            "整改状态",
            ("状态",),
            "未整改、整改中或已整改",
            required=True,
            choices=("未整改", "整改中", "已整改"),
        ),
        Column("rectified_on", "date", "整改完成日期", ("完成时间",), "整改完成日期（已整改时必填）"),
    ),
    checks=(
        Check(
            "rectified-without-date",
            "rectified_on",
            "status = '已整改' and rectified_on is null",
            "整改状态为“已整改”时须填写整改完成日期",
        ),
    ),
)

# ---- the seed's other mechanisms (data model: "The seed's other mechanisms") ----------------

POINTS_TOTAL = "base_points + bonus_points - deducted_points"

MEMBER_POINTS = Dataset(
    name="member_points",
    table="member_points",
    title="党员量化积分",
    page="views/points.py",
    report_section="points",
    key=("period", "town", "village", "member"),
    needs_year=False,
    columns=(
        Column(
            "period",
            "period",
            "积分周期",
            ("月份", "年月", "季度", "年度", "周期"),
            "积分周期：2024（年度）、2024-03（月）或 2024Q1（季度）；2024年3月、2024年第一季度 也可",
            required=True,
        ),
        TOWN,
        Column(
            "village",
            "village",
            "所属支部",
            ("村(社区)名称", "支部", "党支部", "村(社区)"),
            "所属支部（村/社区）",
            required=True,
        ),
        Column("member", "text", "党员姓名", ("姓名",), "党员姓名", required=True),
        Column("base_points", "points", "基础分", (), "基础分", minimum=ZERO, unit="分"),
        Column("bonus_points", "points", "加分", ("奖励分",), "加分", minimum=ZERO, unit="分"),
        Column("deducted_points", "deduction", "扣分", ("扣减分",), "扣分（写 5 或 -5 均按扣 5 分）", unit="分"),
        Column(
            "total_points",
            "points",
            "总积分",
            ("积分", "合计分", "总分"),
            "总积分；基础分、加分、扣分都填写时须等于 基础分+加分−扣分，空白时按此计算",
            unit="分",
        ),
    ),
    computed=(("total_points", POINTS_TOTAL),),
    checks=(
        Check(
            "points-mismatch",
            "total_points",
            f"base_points is not null and bonus_points is not null and deducted_points is not null "
            f"and total_points <> {POINTS_TOTAL}",
            "总积分与 基础分+加分−扣分 不相等，请核对",
        ),
        Check(
            "points-missing",
            "total_points",
            "total_points is null",
            "总积分为空，且基础分、加分、扣分未填全，无法计算",
        ),
    ),
)

STUDIO_LEVELS = ("市级示范点", "县级", "镇级")

STUDIOS = Dataset(
    name="studios",
    table="secretary_studios",
    title="书记工作室",
    page="views/studios.py",
    report_section="studios",
    key=("town", "village"),
    needs_year=False,
    columns=(
        TOWN,
        _village(("村名", "村(社区)", "单位")),
        Column("studio_name", "text", "工作室名称", ("名称",), "工作室名称", required=True),
        Column("level", "choice", "级别", ("示范等级",), "市级示范点、县级或镇级", choices=STUDIO_LEVELS),
        Column("established_on", "date", "成立日期", ("创建时间", "成立时间"), "成立日期", required=True),
        Column("focus", "text", "工作重点", ("特色方向",), "工作重点：重点项目、乡村振兴、基层治理、提升服务等"),
    ),
)

SAGE_KINDS = ("民意收集", "矛盾调解", "献言献策", "政策宣传", "回乡创业")

SAGES = Dataset(
    name="sages",
    table="sage_activities",
    title="乡贤参与",
    page="views/sages.py",
    report_section="sages",
    key=("activity_id",),
    needs_year=False,
    columns=(
        Column("activity_id", "text", "编号", ("活动编号",), "编号（唯一）", required=True),
        TOWN,
        Column("date", "date", "日期", ("时间",), "日期", required=True),
        _village(("村名", "村(社区)", "单位")),
        Column("sage", "text", "乡贤姓名", ("乡贤",), "乡贤姓名"),
        Column("kind", "choice", "类型", ("事项类型",), "、".join(SAGE_KINDS), required=True, choices=SAGE_KINDS),
        Column(
            "quantity",
            "integer",
            "数量",
            ("条数", "件数"),
            "数量（民意为条，纠纷为起），空白按 1",
            minimum=Decimal(1),
            default="1",
            unit="条/起",
        ),
        Column("description", "text", "内容", ("事项",), "内容"),
    ),
)

CADRE_ROLES = ("两委干部", "后备干部", "党务专员")
EDUCATION_LEVELS = ("初中及以下", "高中/中专", "大专", "本科", "研究生")

CADRES = Dataset(
    name="cadres",
    table="cadres",
    title="村干部与后备力量",
    page="views/cadres.py",
    report_section="cadres",
    key=("town", "village", "name"),
    needs_year=False,
    columns=(
        TOWN,
        _village(("村名", "村(社区)", "单位")),
        Column("name", "text", "姓名", (), "姓名", required=True),
        Column("role", "choice", "身份", ("类别", "职务"), "、".join(CADRE_ROLES), required=True, choices=CADRE_ROLES),
        Column(
            "birth_year",
            "birth_year",
            "出生年份",
            ("出生年月", "出生年"),
            "出生年份（1985、1985.06、1985年6月 均可）",
            minimum=Decimal(1920),
            maximum=Decimal(2015),
        ),
        Column("education", "choice", "学历", ("文化程度",), "、".join(EDUCATION_LEVELS), choices=EDUCATION_LEVELS),
        Column("upgrading", "boolean", "学历提升", ("参加学历提升",), "是否参加学历提升（是/否）", default="否"),
        Column("trainings", "integer", "参训次数", ("培训次数",), "参训次数", minimum=ZERO, unit="次"),
    ),
)

DATASETS: dict[str, Dataset] = {
    d.name: d for d in (VILLAGES, INCOME, PROJECTS, STARS, TICKETS, PROBLEMS, MEMBER_POINTS, STUDIOS, SAGES, CADRES)
}
# Villages first: every other ledger is matched against the registry.
IMPORT_ORDER = (
    "villages",
    "income",
    "projects",
    "stars",
    "tickets",
    "problems",
    "member_points",
    "studios",
    "sages",
    "cadres",
)


def dataset_for_table(table: str) -> Dataset:
    return next(d for d in DATASETS.values() if d.table == table)
