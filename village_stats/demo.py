"""Demo ledgers: six spreadsheets for the fictional town of 青溪镇 (2021—2024).

The bundled demo has one job: when it is imported, the dashboard's own queries
must reproduce the figures of the speech the project comes from (21 of 23
villages above 20万, 149 projects worth 14.53亿元, 14 five-star organisations,
6 + 15 + 178 service tickets, 60 党建体检 problems …). Those headline figures
are therefore written down by hand below (income totals, plans and counts);
only the detail around them — names, dates, component splits — is drawn from a
seeded random generator. Every ledger gets its own generator, so changing one
ledger never shifts the numbers of another, and the output is byte-identical
from run to run.

The workbooks are shaped like the ledgers the town actually keeps (a merged
title, a 填报单位 line, the header row, the data, a footer), so the importer
meets realistic sheets from the very first run.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

SEED = "village-stats-demo-v1"
# Fixed workbook metadata: xlsxwriter stamps 'created' into docProps, and a
# fixed value keeps the files byte-identical between runs.
CREATED = datetime(2025, 1, 10, 9, 0)
FOOTER = "填表人：王丽　审核人：陈建国　报出日期：2025年1月10日"
CENT = Decimal("0.01")

# ---------------------------------------------------------------------------
# The town: 2 communities and 23 villages in four 片区, in registry order.
# ---------------------------------------------------------------------------
UNITS: tuple[tuple[str, str], ...] = (
    ("青溪社区", "南片"),
    ("凤岗社区", "东片"),
    ("溪口村", "东片"),
    ("石门村", "东片"),
    ("桃源村", "东片"),
    ("白沙村", "东片"),
    ("双溪村", "东片"),
    ("梅岭村", "南片"),
    ("枫林村", "南片"),
    ("龙潭村", "南片"),
    ("芝田村", "南片"),
    ("下湾村", "南片"),
    ("荷塘村", "南片"),
    ("上畈村", "西片"),
    ("柳塘村", "西片"),
    ("金竹村", "西片"),
    ("新塘村", "西片"),
    ("鹤溪村", "西片"),
    ("杨家村", "西片"),
    ("北垞村", "北片"),
    ("竹秀村", "北片"),
    ("岑下村", "北片"),
    ("后陈村", "北片"),
    ("横山村", "北片"),
    ("茶坪村", "北片"),
)

SURNAMES = "王陈张李吴周徐朱胡何郑叶方金楼应汪蒋杨黄俞章邵傅钱沈孙潘洪倪毛施童郭林程姚许丁赵"
GIVEN_NAMES = (
    "建华", "国强", "丽娟", "卫东", "海燕", "志刚", "伟", "敏", "秀英", "军",
    "勇", "杰", "芳", "静", "晓东", "春燕", "永明", "建军", "红梅", "立新",
    "文斌", "小平", "玉兰", "俊", "亚萍", "宏伟", "爱华", "国平", "美琴", "雪芬",
    "金水", "荣根", "彩凤", "跃进", "鑫", "浩", "佳慧", "一鸣", "晨", "丽萍",
)  # fmt: skip
TICKET_MEMBERS_PER_UNIT = 4
TOWN_OFFICIALS = 6

# ---------------------------------------------------------------------------
# 村级集体经济收入: totals in 万元 for 2021, 2022, 2023, 2024.
# Tier counts over the 23 villages (≥20 / ≥50 / ≥100):
#   2021: 15 / 6 / 1    2022: 18 / 9 / 2    2023: 21 / 12 / 3    2024: 22 / 14 / 4
# 2023 is the speech's year: exactly 北垞 > 竹秀 > 岑下 reach 100万.
# 白沙村 falls below 50万 in 2023 and recovers; 双溪村 hits exactly 50.00 in
# 2024 (inclusive bound); 横山村 passes 20万 on subsidies alone, so it stays
# 经济薄弱 by operating income (< 10万).
# ---------------------------------------------------------------------------
INCOME_YEARS = (2021, 2022, 2023, 2024)
INCOME_TOTALS: dict[str, tuple[str, str, str, str]] = {
    "青溪社区": ("22.80", "25.40", "28.15", "30.90"),
    "凤岗社区": ("35.20", "38.60", "41.75", "45.30"),
    "北垞村": ("128.50", "158.20", "186.40", "212.60"),
    "竹秀村": ("94.80", "116.40", "142.75", "158.30"),
    "岑下村": ("78.30", "92.35", "108.30", "121.45"),
    "溪口村": ("70.15", "84.60", "96.20", "103.80"),
    "梅岭村": ("62.40", "76.90", "88.65", "94.20"),
    "石门村": ("55.60", "68.25", "79.40", "85.75"),
    "枫林村": ("48.25", "60.70", "72.15", "78.60"),
    "桃源村": ("46.10", "55.15", "66.80", "71.30"),
    "龙潭村": ("40.35", "48.90", "61.35", "65.90"),
    "上畈村": ("37.80", "45.30", "57.90", "60.45"),
    "柳塘村": ("35.20", "43.75", "53.60", "57.20"),
    "金竹村": ("32.65", "41.20", "50.85", "54.35"),
    "白沙村": ("44.70", "51.20", "47.30", "52.80"),
    "双溪村": ("28.90", "36.80", "42.15", "50.00"),
    "新塘村": ("24.15", "33.45", "38.70", "44.60"),
    "鹤溪村": ("19.60", "28.60", "34.25", "39.15"),
    "芝田村": ("18.35", "25.30", "30.60", "35.20"),
    "后陈村": ("16.80", "21.85", "27.45", "31.70"),
    "横山村": ("15.25", "18.40", "24.80", "26.40"),
    "杨家村": ("14.10", "17.25", "22.35", "25.10"),
    "茶坪村": ("12.45", "15.60", "20.40", "23.85"),
    "下湾村": ("10.30", "12.80", "16.75", "21.30"),
    "荷塘村": ("8.60", "9.75", "12.30", "15.60"),
}
SUBSIDY_DEPENDENT_VILLAGE = "横山村"
OPERATING_FLOOR_WAN = Decimal(10)

# ---------------------------------------------------------------------------
# 揭榜挂帅项目: per year the project count and planned investment (万元).
# 2024 is the speech's year: 149 projects, 14.53亿元.
# ---------------------------------------------------------------------------
ARENAS = ("党建引领", "产业发展", "城镇建设", "社会事业", "乡村振兴")
PROJECT_PLAN: dict[int, tuple[int, Decimal]] = {
    2022: (96, Decimal("86200.00")),
    2023: (121, Decimal("112600.00")),
    2024: (149, Decimal("145300.00")),
}
VILLAGE_PROJECT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "党建引领": (
        "{village}党群服务中心提升改造",
        "{village}红色教育阵地建设",
        "{village}党建引领共富工坊建设",
        "{village}清廉村居示范点建设",
        "{village}党员先锋站建设",
    ),
    "产业发展": (
        "{village}强村公司标准厂房建设",
        "{village}农产品加工中心建设",
        "{village}茶园提质扩面工程",
        "{village}屋顶分布式光伏项目",
        "{village}精品民宿集聚区培育",
        "{village}物业经济用房建设",
        "{village}农旅融合示范基地建设",
    ),
    "城镇建设": (
        "{village}村道拓宽改造工程",
        "{village}危桥改造工程",
        "{village}公共停车场建设",
        "{village}农房风貌整治提升",
        "{village}雨污分流改造工程",
        "{village}供水管网改造工程",
    ),
    "社会事业": (
        "{village}文化礼堂提升改造工程",
        "{village}居家养老服务照料中心建设",
        "{village}卫生室规范化建设",
        "{village}老年食堂建设",
        "{village}体育健身广场建设",
        "{village}儿童之家建设",
    ),
    "乡村振兴": (
        "{village}未来乡村建设",
        "{village}美丽庭院示范片区创建",
        "{village}高标准农田建设",
        "{village}山塘除险加固工程",
        "{village}全域土地综合整治",
        "{village}溪道生态修复工程",
    ),
}
# Town-level projects (镇级项目, no village) are the big ones; the figure is
# a rough size in 万元 before the year is scaled to its planned total.
TOWN_PROJECTS: dict[int, tuple[tuple[str, str, int], ...]] = {
    2022: (
        ("城镇建设", "{town}小城镇环境综合整治提升工程", 12000),
        ("乡村振兴", "{town}农村生活污水治理提标改造", 9000),
        ("产业发展", "{town}工业功能区基础设施配套工程", 11000),
        ("社会事业", "{town}中心小学改扩建工程", 7000),
        ("党建引领", "{town}党群服务中心迁建工程", 3000),
    ),
    2023: (
        ("城镇建设", "{town}集镇主干道综合改造工程", 13000),
        ("乡村振兴", "{town}全域土地综合整治与生态修复工程", 15000),
        ("产业发展", "{town}农产品冷链物流中心建设", 6000),
        ("社会事业", "{town}区域性居家养老服务中心建设", 5000),
        ("城镇建设", "{town}农贸市场改造提升工程", 3500),
        ("乡村振兴", "{town}美丽河湖建设工程", 8000),
        ("党建引领", "{town}红色研学基地建设", 4000),
    ),
    2024: (
        ("城镇建设", "{town}污水零直排区建设", 9000),
        ("产业发展", "{town}小微企业园建设", 15000),
        ("城镇建设", "{town}集镇有机更新工程", 12000),
        ("社会事业", "{town}卫生院迁建工程", 8000),
        ("乡村振兴", "{town}未来乡村示范带建设", 6000),
        ("产业发展", "{town}文旅综合体建设", 10000),
        ("城镇建设", "{town}过境公路改线工程", 14000),
        ("社会事业", "{town}公办幼儿园新建工程", 5000),
        ("乡村振兴", "{town}高标准农田连片建设工程", 4000),
        ("党建引领", "{town}党建综合体建设", 3000),
    ),
}
# By the report date older projects are mostly finished; 2024 still has
# projects in planning (谋划).
PROJECT_STATUS_WEIGHTS: dict[int, dict[str, float]] = {
    2022: {"谋划": 0.0, "在建": 0.12, "完工": 0.88},
    2023: {"谋划": 0.0, "在建": 0.30, "完工": 0.70},
    2024: {"谋划": 0.12, "在建": 0.50, "完工": 0.38},
}
IN_PROGRESS_SHARE: dict[int, tuple[float, float]] = {
    2022: (0.60, 0.95),
    2023: (0.40, 0.90),
    2024: (0.10, 0.80),
}

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
# The town's people and units
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """A village or community with the people the other ledgers refer to."""

    name: str
    area: str
    households: int
    population: int
    party_members: int
    secretary: str
    members: tuple[str, ...]

    @property
    def kind(self) -> str:
        return "社区" if self.name.endswith("社区") else "村"

    @property
    def grids(self) -> int:
        return max(2, math.ceil(self.households / 350))


@dataclass(frozen=True)
class Town:
    name: str
    units: tuple[Unit, ...]
    officials: tuple[str, ...]

    def unit(self, name: str) -> Unit:
        return next(unit for unit in self.units if unit.name == name)

    def position(self, name: str) -> int:
        return next(i for i, unit in enumerate(self.units) if unit.name == name)


def _rng(ledger: str) -> random.Random:
    """A generator per ledger; string seeds are stable across processes."""
    return random.Random(f"{SEED}:{ledger}")


def _people(rng: random.Random, count: int) -> list[str]:
    """Distinct plausible Chinese names (surname + given name)."""
    names = [surname + given for surname in SURNAMES for given in GIVEN_NAMES]
    rng.shuffle(names)
    return names[:count]


def _build_town(town: str) -> Town:
    """Sizes and people of every unit, shared by all ledgers."""
    rng = _rng("town")
    people = iter(_people(rng, len(UNITS) * (1 + TICKET_MEMBERS_PER_UNIT) + TOWN_OFFICIALS))
    units = []
    for name, area in UNITS:
        households = rng.randint(1100, 1500) if name.endswith("社区") else rng.randint(320, 1480)
        population = round(households * rng.uniform(2.75, 3.25))
        party_members = min(150, max(30, round(households * rng.uniform(0.075, 0.105))))
        secretary = next(people)
        members = tuple(next(people) for _ in range(TICKET_MEMBERS_PER_UNIT))
        units.append(Unit(name, area, households, population, party_members, secretary, members))
    officials = tuple(next(people) for _ in range(TOWN_OFFICIALS))
    return Town(town, tuple(units), officials)


# ---------------------------------------------------------------------------
# Writing a ledger
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, int, money, score, date, datetime
    width: float = 10


@dataclass(frozen=True)
class Ledger:
    file_name: str
    title: str
    issuer: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    total_row: tuple | None = None


NUMBER_FORMATS = {
    "int": "0",
    "money": "0.00",
    "score": "0.0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


def _cell_formats(workbook: xlsxwriter.Workbook) -> dict[tuple[str, bool], Format]:
    """One format per (column kind, bold) pair; bold is for the total row."""
    formats: dict[tuple[str, bool], Format] = {}
    for kind in ("text", *NUMBER_FORMATS):
        for bold in (False, True):
            properties: dict[str, object] = {"bold": bold}
            if kind in NUMBER_FORMATS:
                properties["num_format"] = NUMBER_FORMATS[kind]
            formats[kind, bold] = workbook.add_format(properties)
    return formats


def _write_cell(sheet: Worksheet, row: int, col: int, kind: str, value: object, fmt: Format) -> None:
    """Numbers as numbers, dates as Excel dates, missing values as truly empty cells."""
    if value is None:
        return
    if kind in ("date", "datetime"):
        assert isinstance(value, date)
        moment = value if isinstance(value, datetime) else datetime.combine(value, time())
        sheet.write_datetime(row, col, moment, fmt)
    elif kind == "text":
        sheet.write_string(row, col, str(value), fmt)
    else:
        assert isinstance(value, int | Decimal)
        sheet.write_number(row, col, float(value), fmt)


def _write_ledger(path: Path, ledger: Ledger) -> None:
    """Title, 填报单位 line, header, data (numbered 序号), optional total, footer."""
    columns = (Column("序号", "int", 6), *ledger.columns)
    last_col = len(columns) - 1
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": ledger.title, "author": "王丽", "created": CREATED})
    sheet = workbook.add_worksheet(Path(ledger.file_name).stem)
    title_format = workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    note_format = workbook.add_format({"align": "left", "valign": "vcenter"})
    header_format = workbook.add_format(
        {
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "border": 1,
        }
    )
    formats = _cell_formats(workbook)

    sheet.set_row(0, 28)
    sheet.merge_range(0, 0, 0, last_col, ledger.title, title_format)
    sheet.merge_range(1, 0, 1, last_col, ledger.issuer, note_format)
    sheet.set_row(2, 32)
    for col, column in enumerate(columns):
        sheet.write_string(2, col, column.header, header_format)
        sheet.set_column(col, col, column.width)

    row = 3
    numbered_rows = [(number, *values) for number, values in enumerate(ledger.rows, start=1)]
    total_rows = [(None, *ledger.total_row)] if ledger.total_row else []
    for values, bold in [(v, False) for v in numbered_rows] + [(v, True) for v in total_rows]:
        for col, (column, value) in enumerate(zip(columns, values, strict=True)):
            _write_cell(sheet, row, col, column.kind, value, formats[column.kind, bold])
        row += 1

    footer_row = row + 1  # one blank row, as on the paper forms
    sheet.merge_range(footer_row, 0, footer_row, last_col, FOOTER, note_format)
    sheet.freeze_panes(3, 0)
    workbook.close()


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


# ---------------------------------------------------------------------------
# 1. 村(社区)名录
# ---------------------------------------------------------------------------
def _village_registry(town: Town) -> Ledger:
    """The registry every other ledger's village names must match."""
    rows = [
        (
            unit.name,
            unit.kind,
            unit.area,
            unit.households,
            unit.population,
            unit.party_members,
        )
        for unit in town.units
    ]
    return Ledger(
        file_name="村社区名录.xlsx",
        title=f"{town.name}村（社区）基本情况名录",
        issuer=f"填报单位：{town.name}党建办",
        columns=(
            Column("村(社区)名称", width=14),
            Column("类型", width=8),
            Column("片区", width=8),
            Column("户数", "int", 8),
            Column("人口", "int", 8),
            Column("党员数", "int", 8),
        ),
        rows=rows,
    )


# ---------------------------------------------------------------------------
# 2. 村级集体经济收入
# ---------------------------------------------------------------------------
def _operating_share(name: str, total: Decimal, rng: random.Random) -> float:
    """Share of operating income in the total: richer villages earn, poorer ones are subsidised.

    Only the subsidy-dependent village may fall under the operating-income floor
    while its total is above 20万, so the demo has exactly one village that is
    经济薄弱 by operating income alone.
    """
    if name == SUBSIDY_DEPENDENT_VILLAGE:
        return rng.uniform(0.28, 0.34)
    if total < 20:
        return rng.uniform(0.25, 0.45)
    if total >= 100:
        return rng.uniform(0.72, 0.85)
    return max(
        rng.uniform(0.45, 0.75),
        float(OPERATING_FLOOR_WAN + Decimal("0.5")) / float(total),
    )


def _income_components(name: str, total: Decimal, rng: random.Random) -> tuple[Decimal, ...]:
    """Split a total into (经营性, 发包及上交, 投资收益, 补助, 其他).

    The four components add up to the total to the cent; 经营性收入 is
    发包及上交 + 投资收益, so it never exceeds the total.
    """
    total_cents = int(total * 100)
    operating = round(total_cents * _operating_share(name, total, rng))
    contract = round(operating * rng.uniform(0.55, 0.85))
    investment = operating - contract
    rest = total_cents - operating
    subsidy = round(rest * rng.uniform(0.60, 0.90))
    other = rest - subsidy
    return tuple(_money(cents) for cents in (operating, contract, investment, subsidy, other))


def _income_ledger(town: Town) -> Ledger:
    """Four years of 村财收入 for every unit, with a 全镇合计 row as on the official form."""
    rng = _rng("income")
    rows = []
    for index, year in enumerate(INCOME_YEARS):
        for unit in town.units:
            total = Decimal(INCOME_TOTALS[unit.name][index])
            rows.append((year, unit.name, total, *_income_components(unit.name, total, rng)))
    money_columns = list(zip(*(row[2:] for row in rows), strict=True))
    total_row = (
        None,
        "全镇合计",
        *(sum(column, Decimal("0.00")) for column in money_columns),
    )
    first, last = INCOME_YEARS[0], INCOME_YEARS[-1]
    return Ledger(
        file_name="村级集体经济收入.xlsx",
        title=f"{town.name}村级集体经济收入统计表（{first}—{last}年）",
        issuer=f"填报单位：{town.name}农业农村办　　单位：万元",
        columns=(
            Column("年度", "int", 8),
            Column("村(社区)名称", width=14),
            Column("村集体经济总收入(万元)", "money", 14),
            Column("经营性收入(万元)", "money", 12),
            Column("发包及上交收入(万元)", "money", 13),
            Column("投资收益(万元)", "money", 11),
            Column("补助收入(万元)", "money", 11),
            Column("其他收入(万元)", "money", 11),
        ),
        rows=rows,
        total_row=total_row,
    )


# ---------------------------------------------------------------------------
# 3. 揭榜挂帅项目
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectDraft:
    arena: str
    name: str
    village: Unit | None
    size: float  # relative size before scaling to the year's total


def _village_project_size(rng: random.Random) -> float:
    """Mostly small village projects, some medium, a few large ones (万元, unscaled)."""
    draw = rng.random()
    if draw < 0.55:
        return rng.uniform(30, 300)
    if draw < 0.90:
        return rng.uniform(300, 1000)
    return rng.uniform(1000, 3000)


def _round_investment(amount: float) -> Decimal:
    """Planned investments are round figures: whole 万元, or 0.1万 for small ones."""
    step = Decimal("0.1") if amount < 100 else Decimal(1)
    return Decimal(repr(amount)).quantize(step, ROUND_HALF_UP).quantize(CENT)


def _scale_to_total(sizes: Sequence[float], total: Decimal) -> list[Decimal]:
    """Scale relative sizes so the rounded amounts add up to exactly `total`.

    The rounding difference goes to the largest project, where it is invisible.
    """
    factor = float(total) / sum(sizes)
    amounts = [_round_investment(size * factor) for size in sizes]
    largest = max(range(len(amounts)), key=amounts.__getitem__)
    amounts[largest] += total - sum(amounts)
    return amounts


def _project_drafts(year: int, town: Town, rng: random.Random, used_names: set[str]) -> list[ProjectDraft]:
    """The year's town-level projects plus village projects up to the planned count.

    Names are unique across all years, so a project never seems to repeat.
    """
    count, _ = PROJECT_PLAN[year]
    drafts = [
        ProjectDraft(arena, template.format(town=town.name), None, size * rng.uniform(0.9, 1.1))
        for arena, template, size in TOWN_PROJECTS[year]
    ]
    while len(drafts) < count:
        arena = rng.choice(ARENAS)
        unit = rng.choice(town.units)
        name = rng.choice(VILLAGE_PROJECT_TEMPLATES[arena]).format(village=unit.name)
        if name not in used_names:
            used_names.add(name)
            drafts.append(ProjectDraft(arena, name, unit, _village_project_size(rng)))
    return drafts


def _project_progress(year: int, planned: Decimal, rng: random.Random) -> tuple[str, Decimal | None, date | None]:
    """Status, completed investment and start date, consistent with each other."""
    weights = PROJECT_STATUS_WEIGHTS[year]
    status = rng.choices(list(weights), weights=list(weights.values()))[0]
    if status == "谋划":
        return status, (Decimal("0.00") if rng.random() < 0.5 else None), None
    if status == "完工":
        share = 1.0 if rng.random() < 0.3 else rng.uniform(0.96, 1.0)
        latest_month = 8
    else:
        share = rng.uniform(*IN_PROGRESS_SHARE[year])
        latest_month = 11
    completed = (planned * Decimal(repr(share))).quantize(CENT, ROUND_DOWN)
    started = date(year, rng.randint(1, latest_month), rng.randint(1, 28))
    return status, completed, started


def _project_ledger(town: Town) -> Ledger:
    """揭榜挂帅 projects of 2022—2024; each year's planned total is exact."""
    rng = _rng("projects")
    used_names: set[str] = set()
    projects = []
    for year, (_, total) in PROJECT_PLAN.items():
        drafts = _project_drafts(year, town, rng, used_names)
        for draft, planned in zip(drafts, _scale_to_total([d.size for d in drafts], total), strict=True):
            status, completed, started = _project_progress(year, planned, rng)
            if draft.village is None:
                leader = rng.choice(town.officials)
            elif rng.random() < 0.6:
                leader = draft.village.secretary
            else:
                leader = rng.choice(draft.village.members)
            village = draft.village.name if draft.village else None
            projects.append(
                (
                    year,
                    draft.name,
                    village,
                    draft.arena,
                    planned,
                    completed,
                    status,
                    leader,
                    started,
                )
            )

    def listing_order(project: tuple) -> tuple:
        year, name, village, arena = project[:4]
        village_position = -1 if village is None else town.position(village)
        return year, ARENAS.index(arena), village_position, name

    projects.sort(key=listing_order)
    rows = []
    numbers: dict[int, int] = {}
    for project in projects:
        year = project[0]
        numbers[year] = numbers.get(year, 0) + 1
        rows.append((f"JB{year}-{numbers[year]:03d}", *project))
    return Ledger(
        file_name="揭榜挂帅项目.xlsx",
        title=f"{town.name}“揭榜挂帅”项目汇总表（2022—2024年）",
        issuer=f"填报单位：{town.name}项目推进办　　单位：万元",
        columns=(
            Column("项目编号", width=12),
            Column("年度", "int", 7),
            Column("项目名称", width=36),
            Column("所属村(社区)", width=12),
            Column("擂台", width=10),
            Column("计划总投资(万元)", "money", 12),
            Column("已完成投资(万元)", "money", 12),
            Column("项目状态", width=9),
            Column("揭榜人", width=9),
            Column("开工日期", "date", 12),
        ),
        rows=rows,
    )


# ---------------------------------------------------------------------------
# 4. 达标创星
# ---------------------------------------------------------------------------
def _strength_order(town: Town) -> list[str]:
    """Units from strongest to weakest: villages by 2023 income, communities mid-table."""
    villages = [unit.name for unit in town.units if unit.kind == "村"]
    villages.sort(key=lambda name: Decimal(INCOME_TOTALS[name][2]), reverse=True)
    communities = [unit.name for unit in town.units if unit.kind == "社区"]
    return villages[:6] + communities[1:] + villages[6:12] + communities[:1] + villages[12:]


def _star_ledger(town: Town) -> Ledger:
    """Star ratings that follow the plan's counts; better-run units get more stars.

    A few neighbours swap places each year so the ranking is not frozen, but
    the weakest unit never moves: it is 2022's single 软弱涣散 organisation.
    """
    rng = _rng("stars")
    base_order = _strength_order(town)
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
    rng = _rng("tickets")
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
    rng = _rng("problems")
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


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------
def write_demo_ledgers(out_dir: Path, town: str = "青溪镇") -> list[Path]:
    """Write the demo ledgers (the six core ones, then the four mechanisms) into `out_dir`; their paths.

    The output is deterministic: the same arguments give byte-identical files.
    """
    from village_stats.demo_mechanisms import mechanism_ledgers  # it builds on this module

    out_dir.mkdir(parents=True, exist_ok=True)
    demo_town = _build_town(town)
    ledgers = (
        _village_registry(demo_town),
        _income_ledger(demo_town),
        _project_ledger(demo_town),
        _star_ledger(demo_town),
        _ticket_ledger(demo_town),
        _problem_ledger(demo_town),
        *mechanism_ledgers(demo_town),
    )
    paths = []
    for ledger in ledgers:
        path = out_dir / ledger.file_name
        _write_ledger(path, ledger)
        paths.append(path)
    return paths
