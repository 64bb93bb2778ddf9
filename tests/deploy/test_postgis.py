#!/usr/bin/env python3
"""test_postgis.py: every base layer served from PostGIS.

Creates a throwaway PostgreSQL 15 cluster with PostGIS (initdb in a temporary folder, a
loopback port, owned by `nobody` when run as root since postgres refuses root), loads the
base layers of var/data/base.gpkg with ogr2ogr, serves them with `briefmap serve --layer
NAME=PG:...|table` for all six layers, and compares tiles over HTTP with the built-in data's
`briefmap tile` within the golden tolerance. The cluster is stopped and removed at the end.

Usage: test_postgis.py BRIEFMAP_EXE SOURCE_ROOT IMGCMP_EXE
PostgreSQL 15 and PostGIS come with the test set-up; without them the test fails.
"""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploylib import Server, check, free_port, summary  # noqa: E402

PGBIN = "/usr/lib/postgresql/15/bin"
POSTGIS = "/usr/share/postgresql/15/extension/postgis.control"
LAYERS = ("land", "countries", "land_low", "countries_low", "states", "cities")
TILES = [("briefing", "4/3/6", 1), ("base", "6/17/29", 1), ("briefing", "5/8/14", 2),
         ("base", "3/1/3", 1), ("briefing", "7/40/60", 1), ("base", "2/0/1", 1)]


def as_owner(owner, args, **kw):
    """Runs a PostgreSQL program as the cluster's owner (postgres refuses to run as root)."""
    if owner:
        args = ["runuser", "-u", owner, "--", *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def main():
    if not os.path.exists(os.path.join(PGBIN, "initdb")) or not os.path.exists(POSTGIS):
        print("FAIL PostgreSQL 15 with PostGIS is not installed (tools/setup.sh test installs it)")
        return 1
    exe, root, imgcmp = (os.path.abspath(a) for a in sys.argv[1:4])
    data = os.environ.get("BRIEFMAP_DATA", os.path.join(root, "var/data"))
    tmp = tempfile.mkdtemp(prefix="briefmap-pg-")
    os.chmod(tmp, 0o755)
    pgdata = os.path.join(tmp, "pgdata")
    os.mkdir(pgdata, 0o700)
    owner = None
    if os.geteuid() == 0:
        owner = "nobody"
        nobody = pwd.getpwnam(owner)
        os.chown(pgdata, nobody.pw_uid, nobody.pw_gid)
    port = free_port()
    started = False
    srv = None
    try:
        p = as_owner(owner, [f"{PGBIN}/initdb", "-D", pgdata, "-U", "postgres", "--auth=trust",
                             "-E", "UTF8", "--no-sync"])
        if not check("initdb", p.returncode == 0, p.stderr[-800:]):
            return summary()
        p = as_owner(owner, [f"{PGBIN}/pg_ctl", "-D", pgdata, "-w", "-t", "60", "-l",
                             os.path.join(pgdata, "log"), "-o",
                             f"-p {port} -c listen_addresses=127.0.0.1 "
                             f"-c unix_socket_directories='' -c fsync=off", "start"])
        started = p.returncode == 0
        if not check("PostgreSQL started", started, p.stdout + p.stderr):
            return summary()
        conn = f"host=127.0.0.1 port={port} user=postgres"
        for sql, db in (("CREATE DATABASE gis", "postgres"), ("CREATE EXTENSION postgis", "gis")):
            p = subprocess.run(["psql", f"{conn} dbname={db}", "-v", "ON_ERROR_STOP=1", "-qc",
                                sql], capture_output=True, text=True, timeout=120)
            check(sql, p.returncode == 0, p.stderr)
        pg = f"PG:{conn} dbname=gis"
        t0 = time.monotonic()
        p = subprocess.run(["ogr2ogr", "-f", "PostgreSQL", pg, os.path.join(data, "base.gpkg"),
                            "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST"],
                           capture_output=True, text=True, timeout=600)
        check("ogr2ogr loads base.gpkg into PostGIS", p.returncode == 0, p.stderr[-800:])
        print(f"ogr2ogr: {time.monotonic() - t0:.1f} s", flush=True)

        args = []
        for name in LAYERS:
            args += ["--layer", f"{name}={pg}|{name}"]
        p = subprocess.run([exe, "check", *args], cwd=root, capture_output=True, text=True,
                           timeout=300)
        check("briefmap check with every layer from PostGIS", p.returncode == 0 and
              "read through GDAL/OGR" in p.stdout, p.stdout[-600:] + p.stderr[-600:])
        t0 = time.monotonic()
        srv = Server(exe, root, args)
        print(f"serve from PostGIS: listening after {time.monotonic() - t0:.1f} s", flush=True)
        for ts, zxy, scale in TILES:
            z, x, y = zxy.split("/")
            suffix = "@2x" if scale == 2 else ""
            st, _, body = srv.get(f"/tiles/{ts}/{z}/{x}/{y}{suffix}.png")
            got = os.path.join(tmp, f"pg-{ts}-{z}-{x}-{y}{suffix}.png")
            with open(got, "wb") as f:
                f.write(body)
            ref = os.path.join(tmp, f"gpkg-{ts}-{z}-{x}-{y}{suffix}.png")
            r = subprocess.run([exe, "tile", zxy, "--tileset", ts, "--scale", str(scale), "-o",
                                ref], cwd=root, capture_output=True, text=True, timeout=300)
            if not check(f"built-in {ts} {zxy}@{scale}x", r.returncode == 0, r.stderr):
                continue
            c = subprocess.run([imgcmp, "compare", ref, got, "--mean-max", "1.0",
                                "--big-frac-max", "0.005"], capture_output=True, text=True)
            print(f"{ts} {zxy}@{scale}x: {c.stdout.strip()}", flush=True)
            check(f"{ts} {zxy}@{scale}x from PostGIS equals the built-in tile",
                  st == 200 and c.returncode == 0, (st, c.stdout + c.stderr))
    finally:
        if srv:
            srv.stop()
        if started:
            as_owner(owner, [f"{PGBIN}/pg_ctl", "-D", pgdata, "-w", "-m", "fast", "stop"])
        shutil.rmtree(tmp, ignore_errors=True)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
