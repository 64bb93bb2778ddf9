#!/usr/bin/env python3
"""A base layer with no features is valid and draws nothing: check, render and tile all work."""
import json
import os
import subprocess
import sys
import tempfile

briefmap = sys.argv[1]
passed = failed = 0
LAYERS = ("land_low", "countries_low", "land", "countries", "states", "cities")


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def run(*args):
    return subprocess.run([briefmap, *args], capture_output=True, text=True, timeout=300)


with tempfile.TemporaryDirectory() as tmp:
    empty = os.path.join(tmp, "empty.geojson")
    with open(empty, "w") as f:
        f.write('{"type": "FeatureCollection", "features": []}\n')
    # The article's events name states by code; these do not, so that states may be empty too.
    with open(os.environ["BRIEFMAP_EVENTS"]) as f:
        article = json.load(f)
    points = [x for x in article["features"] if not x["properties"].get("area")]
    events = os.path.join(tmp, "events.geojson")
    with open(events, "w") as f:
        json.dump({"type": "FeatureCollection", "features": points}, f)
    ev = ("--events", events)
    for layer in LAYERS:
        r = run("check", *ev, "--layer", f"{layer}={empty}")
        check(f"{layer} empty: check", r.returncode == 0, f"status {r.returncode}: {r.stderr}")
        rows = [l for l in r.stdout.splitlines() if l.split()[:1] == [layer]]
        check(f"{layer} empty: 0 features reported", rows and rows[0].split()[1] == "0",
              r.stdout)
        png = os.path.join(tmp, f"{layer}.png")
        r = run("render", *ev, "--view", "mexico", "--size", "300x200", "--layer", f"{layer}={empty}",
                "-o", png)
        check(f"{layer} empty: render", r.returncode == 0 and os.path.getsize(png) > 1000,
              f"status {r.returncode}: {r.stderr}")
        tile = os.path.join(tmp, f"{layer}-tile.png")
        r = run("tile", "5/7/14", *ev, "--layer", f"{layer}={empty}", "-o", tile)
        check(f"{layer} empty: tile", r.returncode == 0 and os.path.getsize(tile) > 100,
              f"status {r.returncode}: {r.stderr}")
    # Every layer empty at once: a blank but valid map.
    args = [a for l in LAYERS for a in ("--layer", f"{l}={empty}")]
    r = run("render", *ev, "--bbox", "-100,15,-90,25", "--size", "200x200", "--bare", *args,
            "-o", os.path.join(tmp, "blank.png"))
    check("all layers empty: render", r.returncode == 0, f"status {r.returncode}: {r.stderr}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
