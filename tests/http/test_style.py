#!/usr/bin/env python3
"""test_style.py: GET /api/style and a briefing that declares its own kinds.

    test_style.py BRIEFMAP_EXE SOURCE_ROOT

Against the seed briefing: the built-in kinds with their glyphs as SVG paths, every status with
its words and treatment, ETag and 304, CORS, HEAD. In Spanish (?lang=es): every word of kinds
and statuses from their one table, the same words a Spanish sheet prints (its PDF legend, the
counts of its SVG <desc>, singular or plural as the number takes), an ETag of its own, a bad
language refused. Then a briefing of its own (kinds `fire`, glyph `fire`, with its `label_es`,
and `blackout`, glyph `lightning`, without): it loads, is served at /api/style (English where it
gives no Spanish), its symbols differ by glyph on a tile, and an event of a kind it does not
declare is refused with the file, the feature, the field and the allowed ids named.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_http import Server, check, server_env  # noqa: E402
from briefmaptest import png_rgba  # noqa: E402  (test_http puts tests/lib on the path)
import test_http  # noqa: E402

ARTICLE = ("A fire broke out at the refinery near the port on Monday.\n\n"
           "The whole city lost power after the fire, officials said.\n")


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def briefing(folder, fire_kind="fire", blackout_kind="blackout", blackout_glyph="lightning",
             fire_label_es="Incendio", statuses=("reported", "reported")):
    os.makedirs(folder, exist_ok=True)
    write(os.path.join(folder, "article.txt"), ARTICLE)
    write(os.path.join(folder, "briefing.json"), json.dumps({
        "title": "Refinery fire", "language": "en",
        "article": {"headline": "Refinery fire", "published": None},
        "caveats": [{"kind": "undated", "text": "The article dates nothing but 'Monday'."}],
        "kinds": [
            {"id": "fire", "label": "Fire", "label_es": fire_label_es, "color": "#c62828",
             "glyph": "fire"},
            {"id": "blackout", "label": "Blackout", "color": "#c62828", "glyph": blackout_glyph},
        ]}))
    feats = []
    for i, (kind, lon, quote) in enumerate(((fire_kind, -40.0, ARTICLE.split("\n")[0][:-1]),
                                            (blackout_kind, -30.0, "The whole city lost power"))):
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, 30.0]},
                      "properties": {"id": f"event-{i}", "kind": kind, "title": f"Event {i}",
                                     "status": statuses[i], "geo_precision": "exact",
                                     "place": "assumed by this map", "sequence": i + 1,
                                     "actors": ["the city"],
                                     "sources": [{"quote": quote, "claimant": "the article"}]}})
    path = os.path.join(folder, "events.geojson")
    write(path, json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def symbol_box(exe, cwd, events, lon, tmp, name):
    """The pixels of a 40x40 box around the symbol at (lon, 30) on a bare events render."""
    out = os.path.join(tmp, name + ".png")
    bbox = f"{lon - 2},{28},{lon + 2},{32}"
    p = subprocess.run([exe, "render", "--bbox", bbox, "--size", "200x200", "--bare",
                        "--events", events, "-o", out], cwd=cwd, env=server_env(),
                       capture_output=True, timeout=300)
    if not check(f"render {name}", p.returncode == 0, p.stderr.decode(errors="replace")):
        return None
    with open(out, "rb") as f:
        rows = png_rgba(f.read())
    return [px for row in rows[80:120] for px in row[80:120]]


def test_builtin(srv):
    st, h, b = srv.get("/api/style")
    if not check("style 200 JSON with CORS", st == 200 and h.get("content-type", "").startswith(
            "application/json") and h.get("access-control-allow-origin") == "*", f"{st} {h}"):
        return
    d = json.loads(b)
    kinds = {k["id"]: k for k in d["kinds"]}
    check("the built-in kinds", len(kinds) == 8 and "other" in kinds, sorted(kinds))
    check("every kind has label, #rrggbb colour, glyph and SVG paths",
          all(k["label"] and len(k["color"]) == 7 and k["glyph"] in d["glyphs"] and k["paths"]
              and all(p["d"].startswith("M") for p in k["paths"]) for k in d["kinds"]))
    names = [s["name"] for s in d["statuses"]]
    check("every status, in order", names == ["confirmed", "reported", "claimed", "threatened",
                                              "hypothetical", "disputed"], names)
    check("every status has words and a treatment",
          all(s["words"] and s["label"] and s["legend"] and
              {"line", "fill", "hatch", "shape", "badge", "inner_ring"} <= set(s["treatment"])
              for s in d["statuses"]))
    hyp = d["statuses"][4]["treatment"]
    check("hypothetical is hatched, threatened a diamond, disputed badged",
          hyp["hatch"] and d["statuses"][3]["treatment"]["shape"] == "diamond"
          and d["statuses"][5]["treatment"]["badge"])
    check("at least 16 glyphs", len(d["glyphs"]) >= 16, d["glyphs"])
    etag = h.get("etag")
    st2, _, _ = srv.get("/api/style", {"If-None-Match": etag})
    check("style 304 on its ETag", etag and st2 == 304, f"{etag} {st2}")
    st3, h3, b3 = srv.request("HEAD", "/api/style")
    check("style HEAD", st3 == 200 and not b3 and h3.get("etag") == etag)
    st4, _, _ = srv.request("POST", "/api/style")
    check("style POST 405", st4 == 405, f"{st4}")


STATUS_WORDS = ("label", "words", "legend", "legend_note", "count_one", "count_other")
WORLD = "-180,-85,180,85"


def pdf_text(data, tmp):
    path = os.path.join(tmp, "sheet-es.pdf")
    with open(path, "wb") as f:
        f.write(data)
    p = subprocess.run(["pdftotext", "-raw", path, "-"], capture_output=True, timeout=120)
    return re.sub(r"\s+", " ", p.stdout.decode("utf-8", "replace"))


def test_spanish(srv, root, tmp):
    """?lang=es: the words of the one Spanish table, and a Spanish sheet prints the same ones."""
    st, h_en, b_en = srv.get("/api/style?lang=en")
    st_es, h_es, b_es = srv.get("/api/style?lang=es")
    if not check("style in English and Spanish", st == 200 and st_es == 200, f"{st} {st_es}"):
        return
    en, es = json.loads(b_en), json.loads(b_es)
    _, h_none, b_none = srv.get("/api/style")
    check("without lang: English", json.loads(b_none) == en)
    check("lang named in the body", en.get("lang") == "en" and es.get("lang") == "es")
    check("the ETag varies with the language",
          h_en.get("etag") and h_es.get("etag") and h_en["etag"] != h_es["etag"],
          f"{h_en.get('etag')} {h_es.get('etag')}")
    st, _, _ = srv.get("/api/style?lang=es", {"If-None-Match": h_en.get("etag", "")})
    check("the English ETag is no 304 in Spanish", st == 200, f"{st}")
    st, _, _ = srv.get("/api/style?lang=es", {"If-None-Match": h_es.get("etag", "")})
    check("the Spanish ETag is a 304 in Spanish", st == 304, f"{st}")
    for bad in ("xx", "", "es-ES", "EN", "es%20"):
        st, h, b = srv.get("/api/style?lang=" + bad)
        check(f"lang={bad!r} is a JSON 400", st == 400 and h.get("content-type", "").startswith(
            "application/json") and "lang" in json.loads(b or b"{}").get("error", ""), f"{st} {b[:80]}")
    st, _, b = srv.get("/b/us-mexico-cartels/api/style?lang=es")
    check("/b/{slug}/api/style?lang=es gives the same", st == 200 and json.loads(b) == es, f"{st}")

    with open(os.path.join(root, "geodata", "kinds.json"), encoding="utf-8") as f:
        table = {k["id"]: k for k in json.load(f)["kinds"]}
    check("the kinds' Spanish labels are kinds.json's label_es",
          [k["label"] for k in es["kinds"]] == [table[k["id"]]["label_es"] for k in es["kinds"]],
          [k["label"] for k in es["kinds"]])
    check("the kinds' English labels are kinds.json's label",
          [k["label"] for k in en["kinds"]] == [table[k["id"]]["label"] for k in en["kinds"]])
    check("same kinds, statuses and treatments in both languages",
          [(k["id"], k["glyph"], k["paths"]) for k in en["kinds"]]
          == [(k["id"], k["glyph"], k["paths"]) for k in es["kinds"]]
          and [(s["name"], s["treatment"]) for s in en["statuses"]]
          == [(s["name"], s["treatment"]) for s in es["statuses"]])
    for s_en, s_es in zip(en["statuses"], es["statuses"]):
        check(f"{s_es['name']}: every word in Spanish, none left in English",
              all(s_es[f] and s_en[f] and s_es[f] != s_en[f] for f in STATUS_WORDS),
              {f: (s_en.get(f), s_es.get(f)) for f in STATUS_WORDS})
    es_by = {s["name"]: s for s in es["statuses"]}
    en_by = {s["name"]: s for s in en["statuses"]}
    # The plural is the table's, not a letter added by the reader.
    check("Spanish counts: one and other differ", all(
        s["count_one"] != s["count_other"] for s in es["statuses"]))
    # Reported is drawn solid with a white inner ring; its legend note says so.
    for lang, by, ring in (("en", en_by, "ring"), ("es", es_by, "anillo")):
        check(f"{lang}: the legend notes of confirmed and reported say what is drawn",
              by["reported"]["treatment"]["inner_ring"]
              and not by["confirmed"]["treatment"]["inner_ring"]
              and ring in by["reported"]["legend_note"]
              and ring not in by["confirmed"]["legend_note"]
              and by["confirmed"]["legend_note"] != by["reported"]["legend_note"],
              (by["confirmed"]["legend_note"], by["reported"]["legend_note"]))

    # A Spanish sheet of the whole world: its legend and its counts are the same words.
    st, _, b = srv.get("/api/briefing")
    counts = json.loads(b).get("status_counts", {}) if st == 200 else {}
    with open(os.path.join(root, "briefings", "us-mexico-cartels", "events.geojson"),
              encoding="utf-8") as f:
        used = {feat["properties"]["kind"] for feat in json.load(f)["features"]}
    check("the seed has a status counted once and one counted more",
          1 in counts.values() and any(n > 1 for n in counts.values()), counts)
    st, _, svg = srv.get(f"/render.svg?bbox={WORLD}&size=800x500&lang=es", timeout=300)
    d = re.search(r"<desc>(.*?)</desc>", svg.decode("utf-8", "replace"), re.S)
    desc = d.group(1) if st == 200 and d else ""
    for name, n in sorted(counts.items()):
        if not n:
            continue
        want = f"{n} {es_by[name]['count_one' if n == 1 else 'count_other']}"
        wrong = f"{n} {es_by[name]['count_other' if n == 1 else 'count_one']}"
        check(f"the Spanish SVG counts {want!r}, as api/style?lang=es gives it",
              re.search(re.escape(want) + r"[,.;]", desc)
              and not re.search(re.escape(wrong) + r"[,.;]", desc), desc[:300])
    if shutil.which("pdftotext"):
        st, _, pdf = srv.get(f"/render.pdf?bbox={WORLD}&size=1400x900&lang=es", timeout=300)
        text = pdf_text(pdf, tmp) if st == 200 else ""
        for name, n in sorted(counts.items()):
            if n:
                check(f"the Spanish PDF's legend: {es_by[name]['legend']!r}",
                      es_by[name]["legend"] in text and
                      (en_by[name]["legend"] == es_by[name]["legend"]
                       or en_by[name]["legend"] not in text), text[:400])
        for k in es["kinds"]:
            if k["id"] in used:
                check(f"the Spanish PDF's legend: kind {k['label']!r}", k["label"] in text,
                      text[:400])
    else:
        check("pdftotext is installed", False)


def test_own_kinds_spanish(srv):
    """A briefing's kind with label_es speaks Spanish; one without keeps its English label."""
    st, _, b = srv.get("/api/style?lang=es")
    labels = [k["label"] for k in json.loads(b)["kinds"]] if st == 200 else []
    check("its label_es in Spanish, English where it gives none", labels == ["Incendio", "Blackout"],
          labels)
    st, _, b = srv.get("/api/style?lang=en")
    labels = [k["label"] for k in json.loads(b)["kinds"]] if st == 200 else []
    check("its labels in English", labels == ["Fire", "Blackout"], labels)
    st, _, svg = srv.get("/render.svg?bbox=-45,25,-25,35&size=600x400&lang=es", timeout=300)
    d = re.search(r"<desc>(.*?)</desc>", svg.decode("utf-8", "replace"), re.S)
    desc = d.group(1) if st == 200 and d else ""
    check("one event of a status: its singular", re.search(r"1 amenazado[,.;]", desc)
          and re.search(r"1 informado[,.;]", desc), desc[:200])
    check("no plural after one", "1 amenazados" not in desc and "1 informados" not in desc,
          desc[:200])


def test_no_kind_in_code(root):
    """The built-in kinds live in kinds.json only: no program source names one of them."""
    with open(os.path.join(root, "geodata", "kinds.json"), encoding="utf-8") as f:
        # "other" is also a caveat's kind and a route's name: a word, not the article's.
        ids = [k["id"] for k in json.load(f)["kinds"] if k["id"] != "other"]
    found = []
    for folder in ("server", "tiles", "geodata", "static"):
        for name in sorted(os.listdir(os.path.join(root, folder))):
            if not name.endswith((".c", ".h", ".js", ".html")):
                continue
            with open(os.path.join(root, folder, name), encoding="utf-8") as f:
                text = f.read()
            for k in ids:
                if f'"{k}"' in text or f"'{k}'" in text or ("_" in k and k in text):
                    found.append(f"{folder}/{name}: {k}")
    check("no built-in kind id in the program's code", not found, "\n".join(found))


def main():
    exe, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    data_dir = os.environ.get("BRIEFMAP_DATA") or os.path.join(root, "var", "data")
    seed = os.path.join(root, "briefings", "us-mexico-cartels", "events.geojson")
    test_no_kind_in_code(root)
    with tempfile.TemporaryDirectory(prefix="briefmap-style-") as tmp:
        srv = Server(exe, root, ["--events", seed, "--data", data_dir], name="seed server")
        try:
            test_builtin(srv)
            test_spanish(srv, root, tmp)
        finally:
            check("seed server stops", srv.stop() == 0)

    with tempfile.TemporaryDirectory(prefix="briefmap-style-") as tmp:
        events = briefing(os.path.join(tmp, "fire"), statuses=("threatened", "reported"))
        p = subprocess.run([exe, "check", "--data", data_dir, "--events", events], cwd=root,
                           env=server_env(), capture_output=True, timeout=300)
        check("a briefing with its own kinds passes check", p.returncode == 0,
              p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace"))
        srv = Server(exe, root, ["--events", events, "--data", data_dir], name="fire server")
        try:
            st, _, b = srv.get("/api/style")
            d = json.loads(b) if st == 200 else {}
            check("its kinds replace the built-in ones",
                  [(k["id"], k["glyph"]) for k in d.get("kinds", [])]
                  == [("fire", "fire"), ("blackout", "lightning")], d.get("kinds"))
            st, _, b = srv.get("/api/events")
            kinds = [f["properties"]["kind"] for f in json.loads(b)["features"]]
            check("its events keep their kinds", kinds == ["fire", "blackout"], kinds)
            st, _, _ = srv.get("/tiles/events/4/6/6.png")
            check("a tile of its events", st == 200, f"{st}")
            test_own_kinds_spanish(srv)
        finally:
            check("fire server stops", srv.stop() == 0)

        # The same place and colour, only the glyph differs: the symbols' pixels must too.
        a = symbol_box(exe, root, events, -40.0, tmp, "fire")
        other = briefing(os.path.join(tmp, "swapped"), fire_kind="blackout")
        b = symbol_box(exe, root, other, -40.0, tmp, "lightning")
        if a and b:
            inked = sum(1 for p in a if p[:3] != (255, 255, 255) and p[3])
            differ = sum(1 for p, q in zip(a, b) if max(abs(p[i] - q[i]) for i in range(4)) > 64)
            print(f"symbol box: {inked} inked pixels, {differ} differ between fire and lightning")
            check("the fire and lightning symbols differ", inked > 50 and differ >= 20,
                  f"{inked} {differ}")

        bad = briefing(os.path.join(tmp, "bad"), blackout_kind="flood")
        p = subprocess.run([exe, "check", "--data", data_dir, "--events", bad], cwd=root,
                           env=server_env(), capture_output=True, timeout=300)
        err = p.stderr.decode(errors="replace") + p.stdout.decode(errors="replace")
        check("an undeclared kind is refused", p.returncode == 1, f"{p.returncode} {err}")
        check("the problem names file, feature, field and the allowed kinds",
              "events.geojson" in err and "event-1" in err and '"kind"' in err
              and "fire, blackout" in err and "flood" in err, err)

        # A label_es that is no word is refused, naming the field.
        empty = briefing(os.path.join(tmp, "empty-es"), fire_label_es="")
        p = subprocess.run([exe, "check", "--data", data_dir, "--events", empty], cwd=root,
                           env=server_env(), capture_output=True, timeout=300)
        err = p.stderr.decode(errors="replace") + p.stdout.decode(errors="replace")
        check("an empty label_es is refused, naming the field",
              p.returncode == 1 and "kinds[0].label_es" in err, f"{p.returncode} {err}")

        # A glyph outside the built-in set is refused before anything is drawn with it.
        odd = briefing(os.path.join(tmp, "odd"), blackout_glyph="nonesuch")
        p = subprocess.run([exe, "render", "--data", data_dir, "--events", odd, "--bbox",
                            "-42,28,-38,32", "--size", "100x100", "-o",
                            os.path.join(tmp, "odd.png")], cwd=root, env=server_env(),
                           capture_output=True, timeout=300)
        err = p.stderr.decode(errors="replace")
        check("an unknown glyph is refused, naming kind, glyph and the set",
              p.returncode == 1 and '"blackout"' in err and '"nonesuch"' in err
              and "lightning" in err and not os.path.exists(os.path.join(tmp, "odd.png")),
              f"{p.returncode} {err}")

    print(f"{test_http.PASSED} passed, {test_http.FAILED} failed")
    return 1 if test_http.FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
