"""The leak corpus: phone numbers in every text column, in every form people write them, in
every input format; each list is scanned and every output searched for every number.

The forms are data (``tests/leak/forms.toml``). A list puts them in its name, source,
notes (kept), consent, consent evidence and an unkept column, in a header name and, for
JSON, in nested values; every format the scanner
reads a text from is used: CSV (UTF-8 and GB18030), XLSX, JSON (nested) and NDJSON.

The search is independent of the scanner's own check: every number placed in the list is
looked for in every file written (Parquet: every cell, the statistics and the metadata;
others: their text) and in what the command printed, with separators taken out.

    python evaluation/leak_corpus.py [--lists 4] [--rows 60]

prints the plaintext numbers found per format and in all (target: 0).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import phonenumbers  # noqa: E402
import polars as pl  # noqa: E402

FORMS = tomllib.loads((ROOT / "tests" / "leak" / "forms.toml").read_text(encoding="utf-8"))
FORMATS = ("csv", "gb18030.csv", "xlsx", "json", "ndjson")
MOBILE = ["130", "133", "135", "138", "139", "150", "158", "166", "177", "186", "188", "199"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _valid(text: str, region: str = "CN") -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(text, region))


def _draw(rng: random.Random, make, region: str = "CN") -> str:
    while True:
        text = make()
        if _valid(text, region):
            return text


def _numbers(rng: random.Random) -> dict[str, str]:
    """One form's placeholders (every number valid, checked with phonenumbers)."""
    n = _draw(rng, lambda: rng.choice(MOBILE) + f"{rng.randrange(10 ** 8):08d}")
    n2 = _draw(rng, lambda: rng.choice(MOBILE) + f"{rng.randrange(10 ** 8):08d}")
    bj = _draw(rng, lambda: f"10{rng.randint(6, 8)}{rng.randrange(10 ** 7):07d}")[2:]
    sh = _draw(rng, lambda: f"21{rng.randint(5, 6)}{rng.randrange(10 ** 7):07d}")[2:]
    hk = _draw(rng, lambda: f"+852 9{rng.randrange(10 ** 7):07d}", "HK")[5:]
    return {"n": n, "a": n[:3], "b": n[3:7], "c": n[7:], "fw": n.translate(FULL_WIDTH), "n2": n2,
            "bj": bj, "sh": sh, "hk": hk[:4] + " " + hk[4:], "us": f"{rng.randrange(10 ** 4):04d}"}


def _placed(values: dict[str, str], form: str) -> set[str]:
    """The national numbers a form holds once filled."""
    out = set()
    for key, national in (("n", values["n"]), ("n2", values["n2"]), ("bj", "10" + values["bj"]),
                          ("sh", "21" + values["sh"]), ("hk", values["hk"].replace(" ", "")),
                          ("us", "650253" + values["us"])):
        uses = {"n": ("{n}", "{a}", "{fw}")}.get(key, ("{" + key + "}",))
        if any(u in form for u in uses):
            out.add(national)
    return out


@dataclass
class Case:
    name: str
    path: Path
    policy: Path
    numbers: set[str]  # national numbers placed in the list (its phone column's too)


def _rows(rng: random.Random, rows: int) -> tuple[list[dict], set[str]]:
    forms = FORMS["forms"]
    placed: set[str] = set()
    out = []

    def filled() -> str:
        values, form = _numbers(rng), rng.choice(forms)
        placed.update(_placed(values, form))
        return form.format(**values)

    for i in range(rows):
        phone = _draw(rng, lambda: rng.choice(MOBILE) + f"{rng.randrange(10 ** 8):08d}")
        placed.add(phone)
        innocent = rng.choice(FORMS["innocent"])
        out.append({
            "手机号": phone,
            "姓名": rng.choice(["张三", "李四", "王芳"]) + (" " + filled() if i % 3 == 0 else ""),
            "来源": filled() if i % 2 == 0 else innocent,
            "备注": filled(),
            "同意": rng.choice(["是", "同意", "已同意，回访 " + filled()]),
            "同意凭证": filled(),
            "其他": filled(),
        })
    return out, placed


def corpus(folder: Path, *, lists: int = 1, rows: int = 60, seed: int = 15) -> list[Case]:
    """The corpus's lists written into ``folder``: ``lists`` per format."""
    rng = random.Random(seed)
    cases = []
    for k in range(lists):
        for fmt in FORMATS:
            records, placed = _rows(rng, rows)
            header_number = _draw(rng, lambda: rng.choice(MOBILE) + f"{rng.randrange(10 ** 8):08d}")
            named = f"联系人{header_number}"  # a header holding a number
            placed.add(header_number)
            for record in records:
                record[named] = rng.choice(FORMS["innocent"])
            path = folder / f"list{k}.{fmt}"
            keep = ["备注"]
            if fmt in ("json", "ndjson"):
                records = [{"手机号": r["手机号"], "来源": r["来源"], "同意": r["同意"],
                            "profile": {"姓名": r["姓名"], "备注": r["备注"], "同意凭证": r["同意凭证"],
                                        "其他": {"说明": r["其他"]}}, named: r[named]} for r in records]
                keep = ["profile.备注"]
            _write(path, fmt, records)
            policy = folder / f"policy{k}.{fmt}.toml"
            policy.write_text(f'[columns]\nphone = "手机号"\nkeep = {json.dumps(keep, ensure_ascii=False)}\n',
                              encoding="utf-8")
            cases.append(Case(path.name, path, policy, placed))
    return cases


def _write(path: Path, fmt: str, records: list[dict]) -> None:
    if fmt == "json":
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    elif fmt == "ndjson":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    elif fmt == "xlsx":
        pl.DataFrame(records).write_excel(path)
    else:
        text = pl.DataFrame(records).write_csv()
        path.write_bytes(text.encode("gb18030" if fmt.startswith("gb18030") else "utf-8"))


HEX = re.compile(r"\b(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})\b")
SEPARATORS = re.compile(r"[ \t\-.()/（）\[\]+~]")


def _texts(path: Path) -> list[str]:
    """Everything a file holds as text: Parquet's cells, statistics and metadata."""
    if path.suffix != ".parquet":
        return [path.read_bytes().decode("utf-8", errors="replace")]
    import pyarrow.parquet as pq

    frame = pl.read_parquet(path)
    texts = ["\n".join(str(v) for v in frame.get_column(c).to_list()) for c in frame.columns]
    meta = pq.ParquetFile(path).metadata
    texts.append(str(meta.schema) + "\n" + json.dumps({k.decode(errors="replace"): v.decode(errors="replace")
                                                        for k, v in (meta.metadata or {}).items()}))
    for g in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            stats = meta.row_group(g).column(c).statistics
            if stats is not None and stats.has_min_max:
                texts.append(f"{stats.min}\n{stats.max}")
    return texts


def found(texts: list[str], numbers: set[str]) -> int:
    """How many of ``numbers`` (national digits) appear in ``texts``, separators taken out."""
    flat = "\n".join(SEPARATORS.sub("", HEX.sub("#", unicodedata.normalize("NFKC", t))) for t in texts)
    return sum(1 for n in numbers if n in flat)


def run(cases: list[Case], work: Path) -> dict[str, int]:
    """Scan each case (text and JSON output); plaintext numbers found per case."""
    from click.testing import CliRunner

    from scanner.cli import main

    leaks = {}
    for case in cases:
        out = work / f"out-{case.name}"
        printed = []
        for fmt in ("text", "json"):
            res = CliRunner().invoke(main, ["scan", str(case.path), "--policy", str(case.policy), "--out", str(out),
                                            "--state-dir", str(work / "state"), "--no-progress",
                                            "--fail-on", "never", "--format", fmt])
            if res.exit_code != 0:
                raise SystemExit(f"{case.name}: exit {res.exit_code}: {res.output[-300:]}")
            printed.append(res.output)
        texts = printed + [t for p in sorted(out.iterdir()) if p.name != "vault.bin" for t in _texts(p)]
        leaks[case.name] = found(texts, case.numbers)
    return leaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists", type=int, default=4, help="lists per input format")
    parser.add_argument("--rows", type=int, default=60)
    args = parser.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cases = corpus(work, lists=args.lists, rows=args.rows)
        leaks = run(cases, work)
    placed = sum(len(c.numbers) for c in cases)
    by_format: dict[str, int] = {}
    for case in cases:
        fmt = case.name.split(".", 1)[1]
        by_format[fmt] = by_format.get(fmt, 0) + leaks[case.name]
    for fmt, n in by_format.items():
        print(f"{fmt:12s} plaintext numbers found: {n}")
    print(f"\nleak corpus: {len(cases)} lists, {placed:,} numbers placed in "
          f"{len(FORMS['forms'])} forms; plaintext numbers found in the outputs: {sum(leaks.values())} "
          f"(target 0; {time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
