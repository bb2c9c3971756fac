@echo off
rem 村情看板 启动器（Windows）：双击运行。
rem 首次运行：用本机的 Python（有 py 启动器时用 py -3.11）在本文件夹建立 .venv，安装 requirements.txt，
rem 然后启动看板并打开浏览器；以后再双击只启动看板。关闭本窗口即停止看板。
rem 本文件按 GBK 保存、CRLF 换行：中文 Windows 的命令提示符按代码页 936 读取批处理文件。
setlocal
cd /d "%~dp0"
title 村情看板
if exist ".venv\installed.txt" goto start

echo 首次运行：正在准备运行环境（建立 .venv 并安装所需的程序包，需要几分钟，请保持联网）……
if exist ".venv" rmdir /s /q ".venv"
where py >nul 2>nul
if not errorlevel 1 py -3.11 -m venv .venv >nul 2>nul
if not exist ".venv\Scripts\python.exe" python -m venv .venv
if not exist ".venv\Scripts\python.exe" goto nopython
".venv\Scripts\python.exe" -c "import sys; sys.exit(sys.version_info < (3, 11))"
if errorlevel 1 goto oldpython
".venv\Scripts\python.exe" -m pip install --disable-pip-version-check -r requirements.txt
if errorlevel 1 goto noinstall
echo 安装完成 > ".venv\installed.txt"

:start
".venv\Scripts\python.exe" -m village_stats serve --open %*
if errorlevel 1 pause
exit /b

:nopython
echo.
echo 没有找到 Python。请先从 python.org 安装 Python 3.11，安装时勾选“Add python.exe to PATH”，再双击本文件。
pause
exit /b 1

:oldpython
echo.
echo 本机的 Python 版本太旧：村情看板需要 Python 3.11 或更新版本。请安装 Python 3.11 后再双击本文件。
rmdir /s /q ".venv"
pause
exit /b 1

:noinstall
echo.
echo 安装程序包失败（见上面的信息）：请检查网络，或按 README 设置 pip 镜像后再双击本文件。
rmdir /s /q ".venv"
pause
exit /b 1
