#!/usr/bin/env python3
"""test_systemd.py: deploy/systemd/briefmap.service is sandboxed and passes `systemd-analyze
verify` without a single warning (systemd-analyze comes with the test set-up).

Usage: test_systemd.py SOURCE_ROOT BRIEFMAP_EXE
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import check, summary  # noqa: E402


def main():
    root, exe = (os.path.abspath(a) for a in sys.argv[1:3])
    unit = os.path.join(root, "deploy/systemd/briefmap.service")
    with open(unit, encoding="utf-8") as f:
        text = f.read()
    keys = {}
    for ln in text.splitlines():
        m = re.match(r"^([A-Za-z]+)=(.*)$", ln)
        if m:
            keys.setdefault(m.group(1), []).append(m.group(2))
    check("runs as its own user", keys.get("DynamicUser") == ["yes"] or "User" in keys, keys)
    for k, v in (("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                 ("NoNewPrivileges", "yes")):
        check(f"{k}={v}", keys.get(k) == [v], keys.get(k))
    check("RestrictAddressFamilies", keys.get("RestrictAddressFamilies") and
          set(keys["RestrictAddressFamilies"][0].split()) <= {"AF_INET", "AF_INET6", "AF_UNIX"})
    check("MemoryMax", re.fullmatch(r"\d+[KMG]", (keys.get("MemoryMax") or [""])[0]))
    check("LimitNOFILE", int((keys.get("LimitNOFILE") or ["0"])[0]) >= 4096)
    check("reload reopens the access log", "-HUP" in (keys.get("ExecReload") or [""])[0])
    check("serves on loopback only, behind the proxy",
          "--listen 127.0.0.1:%i" in (keys.get("ExecStart") or [""])[0])

    sa = shutil.which("systemd-analyze")
    if not sa:
        # tools/setup.sh test installs systemd: a missing verifier is a failure, not a pass.
        check("systemd-analyze is installed (tools/setup.sh test)", False)
        return summary()
    tmp = tempfile.mkdtemp(prefix="briefmap-unit-")
    try:
        # The unit names /opt/briefmap; verify checks that ExecStart exists, so it points here.
        inst = os.path.join(tmp, "briefmap@8081.service")
        with open(inst, "w", encoding="utf-8") as f:
            f.write(text.replace("/opt/briefmap/build/server/briefmap", exe)
                    .replace("/opt/briefmap", root))
        p = subprocess.run([sa, "verify", inst], capture_output=True, text=True, timeout=120)
        check("systemd-analyze verify passes without warnings",
              p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
              p.stdout + p.stderr)
        p = subprocess.run([sa, "security", "--offline=yes", inst], capture_output=True,
                           text=True, timeout=120)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", p.stdout + p.stderr)
        if m:
            print(f"systemd-analyze security: exposure {m.group(1)}", flush=True)
            check("systemd exposure level below 3 (\"OK\")", float(m.group(1)) < 3.0, m.group(0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
