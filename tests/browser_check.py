"""Says plainly, before the suite runs, whether the browser tests will run or be skipped."""

import os
import shutil

CHROMIUM = os.environ.get("ZTC_CHROMIUM", "/usr/bin/chromium")

if os.path.exists(CHROMIUM) or shutil.which("chromium"):
    print(f"浏览器测试：将使用 {CHROMIUM} 运行。")
else:
    print(f"浏览器测试：未找到 Chromium（{CHROMIUM}），将跳过。Debian/Ubuntu 可用 `apt-get install -y chromium` 安装。")
