#!/bin/sh
# One command: packaging/build.sh -> dist/agora-lab/ (one-folder app), checked to start.
# Uses the project's .venv (made by `make install`, CPU torch by default).
set -eu
cd "$(dirname "$0")/.."
make install
.venv/bin/python -m pip install -q "pyinstaller==6.22.3"
.venv/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build/pyinstaller packaging/agora-lab.spec
install -Dm644 packaging/io.github.agora_lab.AgoraLab.desktop dist/agora-lab/share/applications/io.github.agora_lab.AgoraLab.desktop
install -Dm644 packaging/io.github.agora_lab.AgoraLab.metainfo.xml dist/agora-lab/share/metainfo/io.github.agora_lab.AgoraLab.metainfo.xml
install -Dm644 assets/icons/agora-lab.svg dist/agora-lab/share/icons/hicolor/scalable/apps/io.github.agora_lab.AgoraLab.svg
# Smoke test: the CLI answers, and the window opens (offscreen) and stays up until the timeout.
dist/agora-lab/agora-lab --help >/dev/null
status=0
QT_QPA_PLATFORM=offscreen timeout 20 dist/agora-lab/agora-lab 2>build/pyinstaller/smoke.log || status=$?
if [ "$status" -ne 124 ]; then
    echo "the packaged window did not stay up (exit $status):" >&2
    cat build/pyinstaller/smoke.log >&2
    exit 1
fi
du -sh dist/agora-lab
echo "built dist/agora-lab/agora-lab (one folder; the .desktop entry and metainfo are under dist/agora-lab/share)"
