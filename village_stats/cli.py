"""`python -m village_stats`: subcommands over the same code the dashboard uses."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from village_stats import access, importing, mechanisms, queries, read_ahead, rounds
from village_stats.datasets import DATASETS
from village_stats.db import (
    Database,
    default_db_path,
    demo_db_path,
    open_database,
    recorded_town,
    storage_problem,
)
from village_stats.errors import VillageStatsError
from village_stats.formatting import printable
from village_stats.settings import Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, help="数据库文件（默认 $VILLAGE_STATS_DB 或 data/village.duckdb）")
    parser = argparse.ArgumentParser(prog="python -m village_stats", description="村情看板 命令行工具")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")

    init = commands.add_parser(
        "init",
        parents=[common],
        help="为本镇建立一个空数据库（不含演示数据），并记下本镇名称",
        description="为本镇建立一个空数据库，记下本镇名称；之后先导入村(社区)名录，再导入各台账。",
    )
    init.add_argument("--town", required=True, help="本镇（街道）名称，如 河东镇")

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="启动看板（需要时先建立演示数据库）；--open 同时打开浏览器",
        description="启动看板：按 .streamlit/config.toml 的地址和端口运行 streamlit run dashboard.py。",
    )
    serve.add_argument("--port", type=int, help="端口（默认：.streamlit/config.toml 中的 port，即 8501）")
    serve.add_argument("--open", action="store_true", help="看板启动后用默认浏览器打开")

    demo = commands.add_parser(
        "demo", parents=[common], help="用 data/demo/ 中的演示台账（重新）建立演示数据库（默认 data/demo.duckdb）"
    )
    demo.add_argument("--force", action="store_true", help="即使库中有非演示数据也重建")
    demo.add_argument(
        "--scale",
        choices=("town", "county", "city"),
        default="town",
        help="town：本镇演示台账（默认）；county：约20镇×20村；city：约150镇×20村、500万条工单（规模测试用）",
    )

    load = commands.add_parser("import", parents=[common], help="导入台账文件（xlsx/xls/ods/csv）")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument("--dataset", choices=sorted(DATASETS), help="指定数据集（默认按表头识别）")
    load.add_argument("--year", type=int, help="表中没有“年度”列时使用的年度")
    load.add_argument("--dry-run", action="store_true", help="只检查并显示将发生的变化，不写入")
    load.add_argument("--by", metavar="NAME", help="导入记录中的操作人（默认：当前系统用户）")
    load.add_argument("--round", type=int, metavar="ID", help="作为报送任务 ID 的报送导入（须同时给出 --unit）")
    load.add_argument("--unit", metavar="村(社区)", help="代哪个村(社区)报送：表中只能有该村(社区)的行")
    load.add_argument(
        "--confirm-changes", action="store_true", help="确认异常波动（与上年相比变化超过设置幅度的数值）后报送"
    )

    query = commands.add_parser("query", parents=[common], help="运行 queries/ 中的命名查询")
    query.add_argument("name", nargs="?", help="查询名；省略则列出全部查询")
    query.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="查询参数，可重复")
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.add_argument("-o", "--output", type=Path, metavar="FILE", help="写入文件（CSV 带 BOM，Excel 可直接打开）")

    sql = commands.add_parser("sql", parents=[common], help="只读地运行一条 SELECT（与“自助查询”页同样的限制）")
    sql.add_argument("statement", metavar="SQL", help="一条 SELECT 语句；写 - 则从标准输入读取")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    sql.add_argument("-o", "--output", type=Path, metavar="FILE", help="写入文件（CSV 带 BOM，Excel 可直接打开）")

    summary = commands.add_parser("summary", parents=[common], help="输出某年度的汇报文字")
    summary.add_argument("--year", type=int, help="年度（默认：有数据的最近年度）")

    report = commands.add_parser("report", parents=[common], help="生成汇报材料：PPT、Word 或 Excel 文件")
    report.add_argument("--year", type=int, help="年度（默认：有数据的最近年度）")
    report.add_argument("--format", choices=("pptx", "docx", "xlsx"), required=True, help="文件格式")
    report.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="输出文件")
    report.add_argument("--town", help="镇(街道)（默认：设置中的本镇）")

    backup = commands.add_parser("backup", parents=[common], help="备份数据库（看板运行时也可以）")
    backup.add_argument("--to", type=Path, metavar="FILE", help="备份文件（默认：数据库旁的 backups/ 目录）")
    restore = commands.add_parser("restore", parents=[common], help="用备份文件恢复数据库（先自动备份当前库）")
    restore.add_argument("source", type=Path, metavar="FILE")

    commands.add_parser("history", parents=[common], help="列出导入历史")
    undo = commands.add_parser("undo", parents=[common], help="撤销一次导入（默认最近一次）")
    undo.add_argument("import_id", nargs="?", type=int, metavar="ID")
    undo.add_argument("--by", metavar="NAME", help="导入记录中的撤销人（默认：当前系统用户）")

    _round_parser(commands, common)

    user = commands.add_parser(
        "user",
        parents=[common],
        help="管理看板账号：add | passwd | remove | list",
        description="管理看板账号。密码从终端输入（不回显）；非终端时从标准输入读一行，便于脚本使用。",
    )
    user.add_argument("action", choices=("add", "passwd", "remove", "list"), metavar="add|passwd|remove|list")
    user.add_argument("name", nargs="?", metavar="NAME", help="用户名")
    user.add_argument(
        "--role",
        choices=tuple(access.ROLES),
        help="角色：admin 管理员（可导入、撤销、保存查询）、viewer 查看（add 默认 viewer）"
        "或 village 村(社区)填报（只能为本村报送，须同时给出 --unit）",
    )
    user.add_argument("--unit", metavar="村(社区)", help="村(社区)账号所属的村(社区)，须在名录中（如 北垞村）")
    user.add_argument("--by", metavar="NAME", help="记录为谁创建的账号（默认：当前系统用户）")
    return parser


def _round_parser(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """`round open|list|close|reopen|templates|status`: 报送任务 over the same code as the 报送 page."""
    round_ = commands.add_parser("round", help="报送任务：open | list | close | reopen | templates | status")
    actions = round_.add_subparsers(dest="round_action", required=True, metavar="操作")
    opened = actions.add_parser("open", parents=[common], help="发起报送任务")
    opened.add_argument("--dataset", required=True, choices=rounds.round_datasets(), help="报送哪一种台账")
    opened.add_argument("--year", type=int, required=True, help="报送年度")
    opened.add_argument("--due", type=date.fromisoformat, required=True, metavar="YYYY-MM-DD", help="截止日期")
    opened.add_argument("--title", help="任务名称（默认：2025年村级集体经济收入）")
    opened.add_argument("--town", help="镇(街道)（默认：设置中的本镇）")
    opened.add_argument("--by", metavar="NAME", help="记录为谁发起（默认：当前系统用户）")
    listed = actions.add_parser("list", parents=[common], help="列出报送任务")
    listed.add_argument("--format", choices=("table", "json"), default="table")
    for name, words in (("close", "关闭（锁定）报送任务"), ("reopen", "重新打开已关闭的报送任务")):
        action = actions.add_parser(name, parents=[common], help=words)
        action.add_argument("round_id", type=int, metavar="ID")
        action.add_argument("--by", metavar="NAME", help="记录为谁操作（默认：当前系统用户）")
    made = actions.add_parser("templates", parents=[common], help="为每个村(社区)生成报送模板")
    made.add_argument("round_id", type=int, metavar="ID")
    made.add_argument("--out", type=Path, required=True, metavar="DIR", help="模板写入的文件夹")
    status = actions.add_parser("status", parents=[common], help="报送进度与催报通知")
    status.add_argument("round_id", type=int, metavar="ID")
    status.add_argument("--format", choices=("table", "csv", "json"), default="table")


class _Visible:
    """A text stream that shows control characters as `\\x1b`: text from a ledger never drives the terminal."""

    def __init__(self, stream: object) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(printable(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Visible(sys.stdout), _Visible(sys.stderr)
    try:
        return _run(args, settings)
    finally:
        sys.stdout, sys.stderr = streams


def _run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.command not in ("demo", "init", "serve"):
            settings = settings.for_town(_recorded_town(_db_path(args), settings))
        return COMMANDS[args.command](args, settings)
    except VillageStatsError as error:
        print(f"错误：{error.message}", file=sys.stderr)
        return 2
    except (OSError, duckdb.Error) as error:
        # a full disk or a read-only data folder is one Chinese line, never a traceback
        problem = storage_problem(error, _db_path(args).parent)
        if problem is not None:
            print(f"错误：{problem}", file=sys.stderr)
        elif isinstance(error, OSError):
            where = f" {error.filename}" if error.filename else ""
            print(f"错误：无法读写文件{where}：{error.strerror or error}", file=sys.stderr)
        else:
            print(f"数据库错误：{error}", file=sys.stderr)
        return 2


def _db_path(args: argparse.Namespace) -> Path:
    if args.db:
        return args.db
    return demo_db_path() if args.command == "demo" else default_db_path()


def _recorded_town(path: Path, settings: Settings) -> str | None:
    """The town the database file records (`init`), so every command speaks of the right town."""
    if not path.exists():
        return None
    with Database(path, settings.lock_wait_seconds).read() as cur:
        return recorded_town(cur)


def _operator(args: argparse.Namespace) -> str:
    """Who the import history names for this command: --by, else the signed-in system user."""
    if getattr(args, "by", None):
        return access.check_user_name(args.by)
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return access.LOCAL_USER


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    path = _db_path(args)
    if args.scale != "town":
        from village_stats import scale

        built = scale.build(path, scale.SCALES[args.scale], settings, force=args.force)
        print(built.summary())
        print(f"{'县' if args.scale == 'county' else '市'}级规模测试数据库已建立：{path}")
        return 0
    outcomes = importing.build_demo(path, settings, force=args.force)
    for outcome in outcomes:
        print(outcome.summary())
    print(f"演示数据库已建立：{path}")
    return 0


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    path = _db_path(args)
    database = importing.start_town(path, args.town, settings)
    with database.read() as cur:
        town = recorded_town(cur)
    print(f"已为{town}建立数据库：{path}")
    print("下一步：1) 导入村(社区)名录；2) 导入各台账。可在看板的“数据导入”页上传（页上可下载空白模板），")
    print("或运行：python -m village_stats import 村社区名录.xlsx")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from village_stats import launching

    return launching.serve(args.port, args.open, args.db, settings)


def _submission(args: argparse.Namespace) -> rounds.Submission | None:
    """`--round ID --unit 北垞村`: the import is that unit's 报送; one without the other is an error."""
    if args.round is None and args.unit is None:
        if args.confirm_changes:
            raise rounds.RoundError("--confirm-changes 只用于报送导入（--round ID --unit 村(社区)）")
        return None
    if args.round is None or not args.unit:
        raise rounds.RoundError("报送导入须同时给出 --round 报送任务编号 和 --unit 村(社区)名称")
    if args.dataset or args.year:
        raise rounds.RoundError("报送导入的数据集和年度由报送任务决定，不要再给 --dataset 或 --year")
    return rounds.Submission(args.round, args.unit.strip(), args.confirm_changes)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    submission = _submission(args)
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    failed = False
    user = _operator(args)
    for path in args.files:
        ahead = read_ahead.take(path)
        try:
            outcome = importing.import_file(
                database,
                path,
                settings,
                dataset=args.dataset,
                year=args.year,
                dry_run=args.dry_run,
                user=user,
                data=ahead.data if ahead else None,
                progress=_progress_bar(path.name),
                submission=submission,
                reading=ahead.reading if ahead else None,
            )
        finally:
            if ahead:
                ahead.reading.cancel()
        for note in outcome.notes:
            print(f"提示：{note}")
        for issue in outcome.issues:
            print(issue.describe(), file=sys.stderr if issue.severity == "error" else sys.stdout)
        print(outcome.summary() if outcome.tables or outcome.issues else f"{path.name}：没有可导入的数据")
        if args.dry_run:
            for table in outcome.tables:
                for key, column, old, new in table.changes:
                    print(f"  {key}  {column}：{old} → {new}")
        failed = failed or not outcome.ok
    return 1 if failed else 0


def _progress_bar(name: str) -> Callable[[float, str], None] | None:
    """A one-line progress bar on a terminal's stderr; nothing when output is redirected."""
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, words: str) -> None:
        filled = int(fraction * 24)
        end = "\n" if fraction >= 1 else ""
        print(
            f"\r{name} [{'#' * filled}{'.' * (24 - filled)}] {fraction:4.0%} {words}\033[K",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    return show


def _param_value(name: str, kind: str, text: str) -> object:
    """A `--param` value as the query's declared type; a wrong one is a Chinese error."""
    if text.lower() in ("", "null", "none"):
        return None
    try:
        if kind.startswith("integer"):
            return int(text)
        if kind.startswith("decimal"):
            return Decimal(text)
        if kind.startswith("date"):
            return date.fromisoformat(text)
    except (ValueError, ArithmeticError) as error:
        wanted = {"integer": "整数", "decimal": "数字", "date": "日期（如 2025-06-30）"}[kind.split()[0]]
        raise queries.QueryError(f"参数 {name} 的值“{text}”不是有效的{wanted}") from error
    if kind.endswith("[]"):
        return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]
    return text


def query_defaults(settings: Settings) -> dict[str, object]:
    """What an omitted CLI parameter means: whole scope, thresholds from settings, today."""
    floors = {
        "total_floor": settings.weak_total_below_wan * 10_000,
        "operating_floor": settings.weak_operating_below_wan * 10_000,
    }
    return {"town": None, "area": None, "villages": None, "today": date.today(), "limit": 10, "offset": 0} | (
        settings.tier_params() | floors
    )


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    if not args.name:
        for query in queries.all_queries():
            params = " ".join(f"${p}" for p in query.params)
            print(f"{query.name:32} {query.title}  {params}")
        return 0
    query = queries.load_query(args.name)
    defaults = query_defaults(settings)
    params = {name: defaults[name] for name in query.params if name in defaults}
    for item in args.param:
        key, _, value = item.partition("=")
        if key not in query.param_types:
            raise queries.QueryError(f"查询“{query.name}”没有参数 {key}（可用：{'、'.join(query.params)}）")
        params[key] = _param_value(key, query.param_types[key], value)
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    with database.read() as cur:
        frame = queries.run_query(cur, query.name, **params)
    if args.format == "csv":
        _emit(args, _csv_text(frame))
    elif args.format == "json":
        _emit(
            args,
            json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), ensure_ascii=False, indent=1)
            + "\n",
        )
    else:
        _emit(args, (frame.to_string(index=False) if not frame.empty else "（无结果）") + "\n")
    return 0


def _emit(args: argparse.Namespace, text: str) -> None:
    """`text` to the terminal, or to `-o FILE`; a CSV file gets a BOM, like the page's download,
    because Excel reads a UTF-8 CSV's Chinese correctly only with one (a pipe gets none)."""
    if args.output is None:
        sys.stdout.write(text)
        return
    args.output.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8", newline="")


def _csv_text(frame: object) -> str:
    """CSV with formulas neutralised, as the page's downloads (exports needs pandas: imported here)."""
    from village_stats import exports

    return exports.to_csv_text(frame)


def cmd_sql(args: argparse.Namespace, settings: Settings) -> int:
    """One user statement through the same sandbox and limits as the 自助查询 page."""
    from village_stats import sandbox  # Arrow and its child process: only this command needs them

    statement = sys.stdin.read() if args.statement == "-" else args.statement
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    limits = sandbox.Limits(lock_wait_seconds=settings.lock_wait_seconds)
    # whoever runs the CLI can read the file itself: an administrator, under the same privacy setting
    hidden = mechanisms.low_scorers_hidden_below(settings.low_scorer_names, access.ADMIN, settings.points_low_threshold)
    try:
        result = sandbox.run_sql(database.path, statement, limits, hidden)
    except sandbox.SandboxRefused as refused:
        print(f"已拒绝：{refused}", file=sys.stderr)
        return 2
    except sandbox.SandboxError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    frame = result.frame
    if args.format == "csv":
        _emit(args, _csv_text(frame))
    elif args.format == "json":
        _emit(
            args,
            json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), ensure_ascii=False, indent=1)
            + "\n",
        )
    else:
        _emit(args, (frame.to_string(index=False) if not frame.empty else "（无结果）") + "\n")
    if result.truncated:
        print(f"提示：{result.note}", file=sys.stderr)
    return 0


def latest_year(cur: duckdb.DuckDBPyConnection) -> int | None:
    years = queries.run_query(cur, "data_years")
    return None if years.empty else int(years["year"].max())


def cmd_summary(args: argparse.Namespace, settings: Settings) -> int:
    from village_stats import narrative  # it loads pandas (most of a second), which an import does not need

    database = open_database(_db_path(args), settings.lock_wait_seconds)
    scope = queries.Scope(town=settings.town)
    with database.read() as cur:
        year = args.year or latest_year(cur)
        if year is None:
            print(
                f"{settings.town}的数据库中还没有任何台账数据，请先导入：先导入村(社区)名录，再导入各台账"
                "（看板“数据导入”页，或 python -m village_stats import 文件）。"
            )
            return 1
        requests = narrative.summary_requests(year, settings, scope, date.today())
        results = {role: queries.run_query(cur, name, **params) for role, (name, params) in requests.items()}
    sections = narrative.year_sections(year, results, settings, scope.label(settings.town))
    for paragraph in sections.values():
        print(paragraph)
    missing = narrative.missing_domains(sections)
    if missing:
        # said apart from the report text, never as a zero inside it
        print(f"（{year}年暂无{'、'.join(missing)}数据。）")
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from village_stats import reports

    database = open_database(_db_path(args), settings.lock_wait_seconds)
    scope = queries.Scope(town=args.town or settings.town)
    today = date.today()
    with database.read() as cur:
        year = args.year or latest_year(cur)
        if year is None:
            print("数据库中还没有任何台账数据，请先导入。", file=sys.stderr)
            return 1
        workbook = args.format == "xlsx"
        requests = reports.report_requests(year, settings, scope, today, tables=workbook)
        results = {role: queries.run_query(cur, name, **params) for role, (name, params) in requests.items()}
    report = reports.build(year, results, settings, scope, today, tables=workbook)
    if not report.sections:
        print(f"{year}年{report.scope_label}暂无可汇报的台账数据。", file=sys.stderr)
        return 1
    write = {"pptx": reports.to_pptx_bytes, "docx": reports.to_docx_bytes, "xlsx": reports.to_xlsx_bytes}
    try:
        args.output.write_bytes(write[args.format](report))
    except OSError as error:
        print(f"错误：无法写入 {args.output}：{error.strerror}", file=sys.stderr)
        return 2
    print(f"已生成 {args.output}（{year}年 · {report.scope_label}）")
    return 0


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    records = importing.history(database)
    if not records:
        print("还没有导入记录。")
    for r in records:
        by = f"由 {r['undone_by']} " if r["undone_by"] else ""
        state = f"（已于 {r['undone_at']:%Y-%m-%d %H:%M} {by}撤销）" if r["undone_at"] else ""
        year = f" {r['year']}年" if r["year"] else ""
        print(
            f"#{r['import_id']}  {r['imported_at']:%Y-%m-%d %H:%M}  {r['imported_by']}  {r['file_name']}"
            f" · {r['sheet']} → {r['dataset_title']}{year}：新增 {r['rows_inserted']}，更新 {r['rows_updated']}"
            f"，未变 {r['rows_unchanged']}{state}"
        )
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    print(f"已备份到 {database.backup(args.to)}")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    try:
        safety = database.restore(args.source)
    except ValueError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    print(f"已用 {args.source.name} 恢复数据库；恢复前的数据已备份到 {safety}")
    return 0


def cmd_undo(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    undone = importing.undo_import(database, args.import_id, user=_operator(args))
    print(f"已撤销第 {undone} 次导入，相关数据已恢复到导入前的状态。")
    return 0


def _read_password(confirm: bool) -> str:
    """A password typed at the terminal without echo (twice for a new one), or one line of stdin from a script."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码（不回显）：")
    if confirm and getpass.getpass("再输入一次：") != first:
        raise access.AccessError("两次输入的密码不一致，未作修改。")
    return first


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    if args.action == "list":
        rows = access.user_rows(database)
        if not rows:
            print("还没有账号：看板以本机单用户方式运行（只在本机可用）。")
        for name, role, created_at, created_by, changed_at, unit in rows:
            shown = f"{access.ROLES[role]}（{role}）" + (f" · {unit}" if unit else "")
            print(
                f"{name}\t{shown}\t{created_at:%Y-%m-%d %H:%M} 由 {created_by} 创建"
                f"\t密码或角色最近修改 {changed_at:%Y-%m-%d %H:%M}"
            )
        return 0
    if not args.name:
        raise access.AccessError(f"请给出用户名：python -m village_stats user {args.action} 用户名")
    if (args.role or args.unit) and args.action != "add":
        flag = "--role" if args.role else "--unit"
        raise access.AccessError(f"{flag} 只用于 user add；改角色或所属村(社区)请先 remove 再 add。")
    if args.action == "add":
        role = args.role or access.VIEWER
        name = access.check_user_name(args.name)
        unit = _registered_unit(database, args.unit) if args.unit else None
        access.check_unit_for_role(role, unit)
        password = _read_password(confirm=True)
        name = access.add_user(database, name, role, password, by=_operator(args), unit=unit)
        print(f"已创建{access.ROLES[role]}账号 {name}" + (f"（{unit}）。" if unit else "。"))
    elif args.action == "passwd":
        access.change_password(database, args.name, _read_password(confirm=True))
        print(f"已修改 {args.name} 的密码；用旧密码登录的会话将在下次操作时退出。")
    else:
        role = access.remove_user(database, args.name)
        print(f"已删除账号 {args.name}（{access.ROLES[role]}）。")
        left = access.user_rows(database)
        if not left:
            print("已没有任何账号：看板回到本机单用户方式（只在本机 127.0.0.1 上可以导入）。")
        elif role == access.ADMIN and not any(r[1] == access.ADMIN for r in left):
            print(
                "提示：已没有管理员账号，看板上的导入、撤销导入和保存查询将停用，"
                f"直到用 {access.ADD_ADMIN} 创建管理员。"
            )
    return 0


def cmd_round(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(_db_path(args), settings.lock_wait_seconds)
    action = args.round_action
    if action == "open":
        town = args.town or settings.town
        opened = rounds.open_round(database, args.dataset, args.year, args.due, town, _operator(args), args.title)
        print(f"已发起报送任务 #{opened.round_id}：{opened.title}，截止 {opened.due:%Y-%m-%d}。")
        print(f"下一步：python -m village_stats round templates {opened.round_id} --out 模板文件夹")
    elif action == "list":
        with database.read() as cur:
            frame = queries.run_query(cur, "rounds_overview")
        if args.format == "json":
            listed = frame.rename(columns={"round_id": "id"})
            print(json.dumps(_records(listed, dates=("due",)), ensure_ascii=False, indent=1))
        elif frame.empty:
            print("还没有报送任务。")
        for row in [] if args.format == "json" else frame.itertuples():
            state = f"已关闭（{row.closed_at:%Y-%m-%d %H:%M}）" if present(row.closed_at) else "进行中"
            print(
                f"#{row.round_id}  {row.title}  截止 {row.due:%Y-%m-%d}  {state}  "
                f"已报送 {row.reported}/{row.units} 个村(社区)"
            )
    elif action in ("close", "reopen"):
        changed = rounds.set_closed(database, args.round_id, action == "close", _operator(args))
        if changed.closed:
            print(f"已关闭报送任务 #{changed.round_id}（{changed.title}）：数据已锁定，修改须先 round reopen。")
        else:
            print(f"已重新打开报送任务 #{changed.round_id}（{changed.title}）：各村(社区)可以再次报送。")
    elif action == "templates":
        written = rounds.write_templates(database, args.round_id, args.out, settings)
        print(f"已生成 {len(written)} 个报送模板（每个村(社区)一个）到 {args.out}")
    else:
        return _round_status(database, args, settings)
    return 0


def _records(frame: object, dates: tuple[str, ...] = ()) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts: timestamps as 2026-01-05T09:30:00, the `dates` columns as 2026-01-31."""

    def plain(column: str, value: object) -> object:
        if not present(value):
            return None
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%d" if column in dates else "%Y-%m-%dT%H:%M:%S")
        return value.item() if hasattr(value, "item") else value

    return [{c: plain(c, v) for c, v in row.items()} for row in frame.to_dict(orient="records")]


def present(value: object) -> bool:
    return value is not None and value == value  # NaT/NaN are not equal to themselves


def _round_status(database: Database, args: argparse.Namespace, settings: Settings) -> int:
    with database.read() as cur:
        round_ = rounds.get_round(cur, args.round_id)
        units = queries.run_query(cur, "round_status", round_id=round_.round_id)
        counts = queries.run_query(cur, "round_progress", round_id=round_.round_id)
    progress = {name: int(value) for name, value in counts.iloc[0].items()}
    missing = units.loc[units["status"] == "missing", "unit"].tolist()
    text = rounds.reminder(round_, missing, date.today(), settings.round_chase_days)
    if args.format == "json":
        shown = units.rename(columns={"submitted_by": "by", "row_count": "rows"})
        records = _records(shown[["unit", "status", "submitted_at", "by", "rows", "changes_confirmed"]])
        print(json.dumps({"round": round_.round_id, "units": records, "reminder": text}, ensure_ascii=False, indent=1))
        return 0
    if args.format == "csv":
        # unit and account names go into a spreadsheet: none may start a formula
        sys.stdout.write(_csv_text(rounds.status_table(units)))
        return 0
    print(
        f"{round_.label()}：{progress['units']}个村(社区)中{progress['reported']}个已报送"
        f"（按时 {progress['submitted']}，逾期 {progress['late']}），未报送 {progress['missing']} 个"
    )
    print(rounds.status_table(units).to_string(index=False))
    print()
    print(text)
    return 0


def _registered_unit(database: Database, unit: str) -> str:
    """A village account's unit exactly as the registry names it; anything else is refused with the closest names."""
    wanted = unit.strip()
    with database.read() as cur:
        names = [r[0] for r in cur.execute("select distinct name from villages order by name").fetchall()]
    if wanted in names:
        return wanted
    near = [n for n in names if wanted.removesuffix("村") and wanted.removesuffix("村") in n][:3]
    hint = f"，是否为 {'、'.join(near)}？" if near else "。"
    raise access.AccessError(f"{wanted} 不在村(社区)名录中{hint}")


COMMANDS = {
    "init": cmd_init,
    "serve": cmd_serve,
    "demo": cmd_demo,
    "import": cmd_import,
    "query": cmd_query,
    "sql": cmd_sql,
    "summary": cmd_summary,
    "report": cmd_report,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "history": cmd_history,
    "undo": cmd_undo,
    "user": cmd_user,
    "round": cmd_round,
}
