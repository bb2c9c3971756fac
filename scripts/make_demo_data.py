"""Write the bundled demo ledgers (data/demo/*.xlsx).

    python scripts/make_demo_data.py [--out DIR] [--town 青溪镇]

The files are deterministic: rerunning the script gives byte-identical files,
so regenerating them only shows up in git when the generator changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    # Let the script run from a plain checkout, without installing the package.
    sys.path.insert(0, str(REPO_ROOT))
    from village_stats.demo import write_demo_ledgers

    parser = argparse.ArgumentParser(description="生成演示台账（青溪镇 2021—2024 年）")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "data" / "demo",
        help="输出目录（默认 data/demo）",
    )
    parser.add_argument("--town", default="青溪镇", help="镇名（默认 青溪镇）")
    args = parser.parse_args(argv)
    for path in write_demo_ledgers(args.out, town=args.town):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
