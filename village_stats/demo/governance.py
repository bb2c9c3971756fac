"""Demo ledgers of how the units are run: 达标创星, 五单服务工单 and 问题整改台账."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from village_stats.demo.economy import strength_order
from village_stats.demo.sheets import Column, Ledger
from village_stats.demo.town import Town, Unit, rng_for

# ---------------------------------------------------------------------------
# 达标创星: how many units get 5, 4, 3, 2, 1 stars each year (25 units).
# ---------------------------------------------------------------------------
STAR_PLAN: dict[int, tuple[int, int, int, int, int]] = {
    2022: (8, 6, 7, 3, 1),
    2023: (11, 5, 7, 2, 0),
    2024: (14, 3, 6, 2, 0),
}
STAR_TEXT = {5: "五星级", 4: "四星级", 3: "三星级", 2: "二星级", 1: "一星级"}
SCORE_BANDS = {
    5: (90.0, 98.5),
    4: (83.0, 89.5),
    3: (75.0, 82.5),
    2: (67.0, 74.5),
    1: (60.0, 66.5),
}
STAR_SHUFFLES_PER_YEAR = 6

# ---------------------------------------------------------------------------
# 五单服务工单: tickets per year by kind, and how many are still open.
# ---------------------------------------------------------------------------
TICKET_PLAN: dict[int, dict[str, int]] = {
    2022: {"群众建议": 4, "支部派单": 10, "服务代办": 136},
    2023: {"群众建议": 6, "支部派单": 15, "服务代办": 178},
    2024: {"群众建议": 9, "支部派单": 21, "服务代办": 231},
}
OPEN_TICKETS = {2024: 15}
# Resolved tickets of the last year are ordered early enough to be closed
# before the ledger's report date (2025-01-10).
LAST_RESOLVED_ORDER_DAY = {2024: date(2024, 12, 10)}
WORK_START = time(8, 30)
WORK_END = time(17, 30)
TICKET_CONTENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "群众建议": (
        ("基础设施", "建议在村口增设公交候车亭"),
        ("环境整治", "建议增设垃圾分类定时定点投放点"),
        ("基础设施", "建议溪边步道加装护栏"),
        ("民生保障", "建议文化礼堂晚间开放供村民健身"),
        ("基础设施", "建议增设电动自行车集中充电桩"),
        ("环境整治", "建议在村道两侧补种行道树"),
        ("民生保障", "建议老年食堂增加送餐上门服务"),
    ),
    "支部派单": (
        ("基础设施", "村道路灯损坏，夜间出行不便"),
        ("基础设施", "排水沟堵塞，雨天路面积水"),
        ("矛盾纠纷", "邻里宅基地边界纠纷需调解"),
        ("住房安全", "老旧房屋墙体开裂需排查"),
        ("环境整治", "河道漂浮垃圾需清理"),
        ("住房安全", "独居老人家中电线老化存在隐患"),
        ("矛盾纠纷", "土地流转租金纠纷需协调"),
        ("环境整治", "养殖异味影响周边住户"),
        ("基础设施", "自来水水压不足"),
        ("矛盾纠纷", "装修噪音引发邻里矛盾"),
    ),
    "服务代办": (
        ("民生保障", "代办老人养老保险认证"),
        ("民生保障", "代办高龄津贴申请"),
        ("民生保障", "代办残疾人两项补贴申请"),
        ("民生保障", "代办城乡居民医保参保缴费"),
        ("民生保障", "代办困难家庭临时救助申请"),
        ("民生保障", "代购慢性病药品送药上门"),
        ("民生保障", "代办社保卡补办"),
        ("民生保障", "代交独居老人水电费"),
        ("政策咨询", "代办新生儿落户登记"),
        ("政策咨询", "代办独生子女父母奖励扶助申请"),
        ("政策咨询", "代办不动产登记材料"),
        ("政策咨询", "代办退役军人优待证申领"),
        ("住房安全", "代办农村建房审批材料"),
        ("基础设施", "代办宽带报装"),
    ),
}
# 评单 given by residents; None: the resident did not rate.
RATINGS: dict[str | None, float] = {
    "满意": 0.78,
    "基本满意": 0.13,
    "不满意": 0.03,
    None: 0.06,
}

# ---------------------------------------------------------------------------
# 问题清单与整改台账: the inspection rounds of each year.
# ---------------------------------------------------------------------------
COMMON_PROBLEMS_2023 = (
    ("三会一课记录不规范", 7),
    ("组织生活会会前谈心谈话记录缺失", 5),
    ("村务公开栏内容未及时更新", 6),
)
COMMON_PROBLEMS_2024 = (
    ("三会一课记录不规范", 8),
    ("主题党日活动内容单一、记录简单", 6),
    ("党费收缴台账不完整", 5),
    ("党员积分管理未及时更新", 5),
)
INDIVIDUAL_PROBLEMS = (
    "党员发展程序材料不全",
    "村级财务票据审核签字不全",
    "村集体资产台账与实际不符",
    "工程项目未按规定公开招投标",
    "村民代表会议记录缺少签到",
    "流动党员管理联系不紧密",
    "党员活动室功能布局不合理",
    "后备干部培养计划未落实",
    "村规民约修订未经村民代表会议表决",
    "网格员走访记录不全",
    "党组织书记讲党课次数不足",
    "困难党员帮扶台账缺失",
    "“五议两公开”程序执行不到位",
    "村级小微权力清单未上墙公示",
    "集体经济合同到期未及时续签",
    "党员先锋岗设岗定责不明确",
    "村监委会监督记录不全",
    "党建档案归档不及时",
    "矛盾纠纷排查台账更新滞后",
    "村级工程变更未履行审批手续",
    "党员教育培训学时不足",
    "村干部坐班值班制度落实不到位",
    "民主评议党员结果未公示",
    "村级非生产性开支超标准",
    "“三资”管理平台数据录入滞后",
    "入党积极分子培养考察记录不全",
    "换届后班子成员分工未及时调整",
    "村集体资源发包未进入交易平台",
    "新时代文明实践站活动开展较少",
    "党员联户工作记录流于形式",
    "村级公益性岗位人员管理不规范",
    "支部委员学习笔记内容简单",
    "党内关怀慰问台账缺失",
    "村办公用房存在超标准使用",
    "消防安全隐患整改台账不全",
    "垃圾分类督导员履职不到位",
    "便民服务中心代办事项未公示",
    "村级债务化解措施不具体",
    "村集体土地租赁合同期限超规定",
    "会计委托代理资料移交不及时",
    "党员志愿服务记录缺失",
)
LONG_TERM_DEADLINES = (date(2025, 3, 31), date(2025, 6, 30))


@dataclass(frozen=True)
class InspectionRound:
    """One round of inspection that produced problems, e.g. the 2024 党建体检."""

    year: int
    source: str
    found_on: date
    deadlines: tuple[date, ...]
    individual: int
    common: tuple[tuple[str, int], ...] = ()
    in_progress: int = 0
    not_started: int = 0
    # How many of the unrectified problems have a deadline inside the year,
    # i.e. show up as overdue (逾期).
    overdue: int = 0


INSPECTION_ROUNDS = (
    InspectionRound(2023, "述职评议", date(2023, 1, 16), (date(2023, 3, 31), date(2023, 4, 30)), 6),
    InspectionRound(
        2023,
        "党建体检",
        date(2023, 4, 18),
        (date(2023, 6, 30), date(2023, 8, 31), date(2023, 10, 31)),
        16,
        common=COMMON_PROBLEMS_2023,
        in_progress=2,
    ),
    InspectionRound(2023, "集中督查", date(2023, 8, 8), (date(2023, 9, 30), date(2023, 10, 31)), 10),
    InspectionRound(
        2024,
        "党建体检",
        date(2024, 4, 12),
        (date(2024, 6, 30), date(2024, 8, 31), date(2024, 10, 31)),
        36,
        common=COMMON_PROBLEMS_2024,
        in_progress=6,
        not_started=4,
        overdue=4,
    ),
    InspectionRound(2024, "集中督查", date(2024, 7, 9), (date(2024, 8, 31), date(2024, 9, 30)), 12),
    InspectionRound(
        2024,
        "交叉互查",
        date(2024, 10, 22),
        (date(2024, 12, 15), date(2024, 12, 31)),
        12,
    ),
)


# ---------------------------------------------------------------------------
# 4. 达标创星
# ---------------------------------------------------------------------------
def _star_ledger(town: Town) -> Ledger:
    """Star ratings that follow the plan's counts; better-run units get more stars.

    A few neighbours swap places each year so the ranking is not frozen, but
    the weakest unit never moves: it is 2022's single 软弱涣散 organisation.
    """
    rng = rng_for("stars")
    base_order = strength_order(town)
    stars_by_year: dict[tuple[int, str], tuple[int, float]] = {}
    for year, counts in STAR_PLAN.items():
        order = list(base_order)
        for _ in range(STAR_SHUFFLES_PER_YEAR):
            i = rng.randrange(len(order) - 2)
            order[i], order[i + 1] = order[i + 1], order[i]
        star_values = [stars for stars, count in zip((5, 4, 3, 2, 1), counts, strict=True) for _ in range(count)]
        for name, stars in zip(order, star_values, strict=True):
            stars_by_year[year, name] = (
                stars,
                round(rng.uniform(*SCORE_BANDS[stars]), 1),
            )
    rows = []
    for year in STAR_PLAN:
        for unit in town.units:
            stars, score = stars_by_year[year, unit.name]
            weak = "是" if stars == 1 else "否"
            rows.append((year, unit.name, STAR_TEXT[stars], Decimal(repr(score)), weak))
    return Ledger(
        file_name="达标创星.xlsx",
        title=f"{town.name}村（社区）党组织“达标创星”评定结果汇总表（2022—2024年）",
        issuer=f"填报单位：{town.name}党建办",
        columns=(
            Column("年度", "int", 7),
            Column("村(社区)名称", width=14),
            Column("星级", width=9),
            Column("评分", "score", 8),
            Column("软弱涣散", width=9),
        ),
        rows=rows,
    )


# ---------------------------------------------------------------------------
# 5. 五单服务工单
# ---------------------------------------------------------------------------
def _working_days(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.weekday() < 5]


def _after_working_minutes(start: datetime, minutes: int) -> datetime:
    """The moment `minutes` of office time after `start` (08:30—17:30, Monday—Friday)."""
    moment, remaining = start, minutes
    while True:
        available = (datetime.combine(moment.date(), WORK_END) - moment).total_seconds() / 60
        if remaining <= available:
            return moment + timedelta(minutes=remaining)
        remaining -= max(0, int(available))
        next_day = moment.date() + timedelta(days=1)
        while next_day.weekday() >= 5:
            next_day += timedelta(days=1)
        moment = datetime.combine(next_day, WORK_START)


def _order_time(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, WORK_START) + timedelta(minutes=rng.randint(0, 525))


def _ticket_steps(kind: str, ordered: datetime, stage: int, rng: random.Random) -> list[datetime | None]:
    """点单, 领单, 派单, 晒单 timestamps; `stage` is how many steps were reached (1—4)."""
    claimed = _after_working_minutes(ordered, rng.randint(15, 240))
    dispatched = _after_working_minutes(claimed, rng.randint(10, 480))
    # An errand (代办) takes hours to a few days; a repair or a dispute longer.
    work = rng.randint(240, 1620) if kind == "服务代办" else rng.randint(540, 5400)
    done = _after_working_minutes(dispatched, work)
    steps: list[datetime | None] = [ordered, claimed, dispatched, done]
    return steps[:stage] + [None] * (4 - stage)


def _rating(rng: random.Random) -> str | None:
    return rng.choices(list(RATINGS), weights=list(RATINGS.values()))[0]


def _tickets_for_year(year: int, town: Town, rng: random.Random) -> list[tuple]:
    """The year's tickets in order of 点单时间, without ids yet.

    Open tickets are mostly December's; a few older ones are stuck. The first
    of them never got past 点单, the next ones past 领单, the rest past 派单.
    """
    kinds = [kind for kind, count in TICKET_PLAN[year].items() for _ in range(count)]
    rng.shuffle(kinds)
    open_count = OPEN_TICKETS.get(year, 0)
    last_resolved_day = LAST_RESOLVED_ORDER_DAY.get(year, date(year, 12, 31))
    resolved_days = _working_days(date(year, 1, 2), last_resolved_day)
    recent_days = _working_days(date(year, 12, 2), date(year, 12, 31))
    stuck_days = _working_days(date(year, 10, 8), date(year, 11, 29))
    weights = [unit.households for unit in town.units]
    tickets: list[tuple[datetime, tuple]] = []
    for index, kind in enumerate(kinds):
        if index < open_count:
            day = rng.choice(stuck_days if index % 5 == 4 else recent_days)
            stage = 1 if index < 4 else 2 if index < 8 else 3
        else:
            day = rng.choice(resolved_days)
            stage = 4
        unit = rng.choices(town.units, weights=weights)[0]
        category, content = rng.choice(TICKET_CONTENTS[kind])
        ordered = _order_time(day, rng)
        steps = _ticket_steps(kind, ordered, stage, rng)
        rating = _rating(rng) if stage == 4 else None
        grid = f"{unit.name}第{rng.randint(1, unit.grids)}网格"
        member = rng.choice(unit.members)
        row = (unit.name, grid, kind, category, content, *steps, rating, member)
        tickets.append((ordered, row))
    tickets.sort(key=lambda ticket: ticket[0])
    return [row for _, row in tickets]


def _ticket_ledger(town: Town) -> Ledger:
    """五单闭环 tickets of 2022—2024, numbered per year in order of 点单时间."""
    rng = rng_for("tickets")
    rows = []
    for year in TICKET_PLAN:
        for number, ticket in enumerate(_tickets_for_year(year, town, rng), start=1):
            rows.append((f"WD{year}-{number:04d}", *ticket))
    return Ledger(
        file_name="五单服务工单.xlsx",
        title=f"{town.name}“五单”闭环服务工单台账（2022—2024年）",
        issuer=f"填报单位：{town.name}党建办",
        columns=(
            Column("工单编号", width=13),
            Column("村(社区)名称", width=12),
            Column("网格", width=16),
            Column("类型", width=10),
            Column("诉求类别", width=10),
            Column("诉求内容", width=30),
            Column("点单时间", "datetime", 17),
            Column("领单时间", "datetime", 17),
            Column("派单时间", "datetime", 17),
            Column("晒单时间", "datetime", 17),
            Column("评单", width=9),
            Column("承办党员", width=9),
        ),
        rows=rows,
    )


# ---------------------------------------------------------------------------
# 6. 问题清单与整改台账
# ---------------------------------------------------------------------------
def _round_findings(inspection: InspectionRound, town: Town, rng: random.Random) -> list[tuple[Unit, str, str]]:
    """(unit, 问题类型, 问题描述) of one round: shared problems first, then individual ones."""
    findings = [
        (unit, "共性", description)
        for description, count in inspection.common
        for unit in rng.sample(town.units, count)
    ]
    findings += [
        (rng.choice(town.units), "个性", description)
        for description in rng.sample(INDIVIDUAL_PROBLEMS, inspection.individual)
    ]
    return findings


def _round_statuses(inspection: InspectionRound, count: int, rng: random.Random) -> list[str]:
    statuses = ["整改中"] * inspection.in_progress + ["未整改"] * inspection.not_started
    statuses += ["已整改"] * (count - len(statuses))
    rng.shuffle(statuses)
    return statuses


def _round_problems(inspection: InspectionRound, town: Town, rng: random.Random) -> list[tuple]:
    """One round's problems with deadlines and, when rectified, the completion date.

    Rectified problems are closed between the finding and the deadline.
    The first `overdue` unrectified problems keep a deadline inside the year
    (逾期); the others got a long-term deadline in 2025.
    """
    findings = _round_findings(inspection, town, rng)
    statuses = _round_statuses(inspection, len(findings), rng)
    problems = []
    overdue_left = inspection.overdue
    for (unit, category, description), status in zip(findings, statuses, strict=True):
        deadline = rng.choice(inspection.deadlines)
        rectified_on = None
        if status == "已整改":
            rectified_on = inspection.found_on + timedelta(days=rng.randint(10, (deadline - inspection.found_on).days))
        elif overdue_left > 0:
            overdue_left -= 1
        else:
            deadline = rng.choice(LONG_TERM_DEADLINES)
        problems.append(
            (
                unit,
                category,
                description,
                unit.secretary,
                deadline,
                status,
                rectified_on,
            ),
        )
    return problems


def _problem_ledger(town: Town) -> Ledger:
    """Problems found in 2023 and 2024, round by round, numbered per year."""
    rng = rng_for("problems")
    rows = []
    numbers: dict[int, int] = {}
    for inspection in INSPECTION_ROUNDS:
        problems = _round_problems(inspection, town, rng)
        problems.sort(key=lambda problem: (town.position(problem[0].name), problem[1], problem[2]))
        for (
            unit,
            category,
            description,
            responsible,
            deadline,
            status,
            rectified_on,
        ) in problems:
            year = inspection.year
            numbers[year] = numbers.get(year, 0) + 1
            rows.append(
                (
                    f"WT{year}-{numbers[year]:03d}",
                    year,
                    unit.name,
                    inspection.source,
                    category,
                    description,
                    responsible,
                    deadline,
                    status,
                    rectified_on,
                )
            )
    return Ledger(
        file_name="问题整改台账.xlsx",
        title=f"{town.name}问题清单与整改台账（2023—2024年）",
        issuer=f"填报单位：{town.name}党建办",
        columns=(
            Column("问题编号", width=12),
            Column("年度", "int", 7),
            Column("村(社区)名称", width=12),
            Column("问题来源", width=10),
            Column("问题类型", width=9),
            Column("问题描述", width=32),
            Column("责任人", width=9),
            Column("整改时限", "date", 12),
            Column("整改状态", width=9),
            Column("整改完成日期", "date", 13),
        ),
        rows=rows,
    )


def governance_ledgers(town: Town) -> tuple[Ledger, ...]:
    return (_star_ledger(town), _ticket_ledger(town), _problem_ledger(town))
