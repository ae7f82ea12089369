# Shared by scripts/run.sh and scripts/test.sh: a Python 3.11 virtual environment in .venv with the
# project installed (editable). Re-installs only when pyproject.toml changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && \
           "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
            echo "$candidate"; return 0
        fi
    done
    echo "需要 Python 3.11（Django 5.2 LTS）。" >&2
    return 1
}

ensure_venv() {  # ensure_venv [extras]
    local extras="${1:-}" spec="." stamp
    [ -n "$extras" ] && spec=".[$extras]"
    if [ ! -x .venv/bin/python ]; then
        "$(find_python)" -m venv .venv
    fi
    stamp=".venv/.zhengai-installed-$(sha1sum pyproject.toml | cut -c1-12)-${extras:-base}"
    if [ ! -f "$stamp" ]; then
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e "$spec"
        rm -f .venv/.zhengai-installed-*
        touch "$stamp"
    fi
    export PATH="$ROOT/.venv/bin:$PATH"
}

# Debian packages a step needs, installed when missing (we are root on these machines; otherwise say so).
ensure_debs() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "缺少系统软件包：${missing[*]}。请以 root 运行：apt-get install -y ${missing[*]}" >&2
        return 1
    fi
    echo "安装系统软件包：${missing[*]}"
    if [ -z "${ZHENGAI_APT_UPDATED:-}" ]; then
        apt-get update -qq
        export ZHENGAI_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
