#!/bin/sh
# 村情看板 启动器（Linux / macOS）：./start.sh [--port N]
# 首次运行：用本机的 Python 3.11+ 在本文件夹建立 .venv，安装 requirements.txt，然后启动看板并打开浏览器；
# 以后只启动看板。按 Ctrl+C 停止看板。
set -eu
cd "$(dirname "$0")"

if [ ! -f .venv/installed.txt ]; then
    echo "首次运行：正在准备运行环境（建立 .venv 并安装所需的程序包，需要几分钟，请保持联网）……"
    python=""
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null; then
            python="$candidate"
            break
        fi
    done
    if [ -z "$python" ]; then
        echo "没有找到 Python 3.11 或更新版本：请先安装，再运行本文件。" >&2
        exit 1
    fi
    rm -rf .venv
    "$python" -m venv .venv
    if ! .venv/bin/python -m pip install --disable-pip-version-check -r requirements.txt; then
        echo "安装程序包失败（见上面的信息）：请检查网络或 pip 镜像设置后重试。" >&2
        rm -rf .venv
        exit 1
    fi
    echo "安装完成" > .venv/installed.txt
fi

exec .venv/bin/python -m village_stats serve --open "$@"
