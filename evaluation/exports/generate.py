"""Write the export-shape corpus: one small file per export shape, plus ``labels.json``.

    python evaluation/exports/generate.py [--out DIR]

Each shape uses the header set and value forms its tool writes (the ``doc`` of each shape
says where they come from); the rows are generated (tens per file, fixed seed), never
real people's data. ``labels.json`` gives, per file, the role each labelled column must get
(by header, or ``@N`` for the N-th column) and which roles are read inverted; every
column not labelled must get no role. ``evaluation/roles.py`` scores a mapping against it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(HERE.parents[1]))

import phonenumbers  # noqa: E402

from evaluation.exports.shapes import SHAPES, Shape  # noqa: E402
ROWS = 24
SEED = 14


class Values:
    """Value forms, generated from one seeded random source."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def pick(self, *options):
        return self.r.choice(options)

    def cn_mobile(self, form: str = "plain") -> str:
        while True:
            national = self.r.choice(["138", "139", "135", "150", "186", "188", "137", "158", "177"]) + \
                f"{self.r.randrange(10 ** 8):08d}"
            if phonenumbers.is_valid_number(phonenumbers.parse(national, "CN")):
                break
        if form == "e164":
            return "+86" + national
        if form == "spaced":
            return f"+86 {national[:3]} {national[3:7]} {national[7:]}"
        if form == "dashed":
            return f"{national[:3]}-{national[3:7]}-{national[7:]}"
        return national

    def cn_landline(self) -> str:
        while True:
            area, digits = self.r.choice([("010", 8), ("021", 8), ("020", 8), ("0755", 8), ("0571", 8)])
            local = str(self.r.randrange(2, 9)) + "".join(str(self.r.randrange(10)) for _ in range(digits - 1))
            if phonenumbers.is_valid_number(phonenumbers.parse(area + local, "CN")):
                return f"{area}-{local}"

    def us_phone(self, form: str = "e164") -> str:
        while True:
            area = self.r.choice(["201", "212", "415", "646", "312", "617", "213", "305"])
            exchange = str(self.r.randrange(200, 999))
            line = f"{self.r.randrange(10 ** 4):04d}"
            number = phonenumbers.parse(f"+1{area}{exchange}{line}")
            if phonenumbers.is_valid_number(number):
                break
        if form == "paren":
            return f"({area}) {exchange}-{line}"
        if form == "dashed":
            return f"{area}-{exchange}-{line}"
        if form == "intl":
            return f"+1 {area}-{exchange}-{line}"
        if form == "spaced":
            return f"+1 {area} {exchange} {line}"
        return f"+1{area}{exchange}{line}"

    def cn_name(self) -> str:
        return self.r.choice("张王李赵刘陈杨黄周吴徐孙马朱胡郭何林") + "".join(
            self.r.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚") for _ in range(self.r.choice((1, 2))))

    def first(self) -> str:
        return self.r.choice(["Ann", "Bob", "Carla", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jon"])

    def last(self) -> str:
        return self.r.choice(["Smith", "Garcia", "Chen", "Okafor", "Novak", "Silva", "Kim", "Berg"])

    def email(self) -> str:
        return f"{self.first().lower()}.{self.last().lower()}{self.r.randrange(1000)}@example.com"

    def when(self, form: str) -> str:
        y, mo, d = 2023 + self.r.randrange(2), self.r.randrange(1, 13), self.r.randrange(1, 29)
        h, mi, s = self.r.randrange(24), self.r.randrange(60), self.r.randrange(60)
        h12 = h % 12 or 12
        return {
            "iso": f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
            "isoMin": f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}",
            "isoT": f"{y}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.000Z",
            "isoTz": f"{y}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}.{self.r.randrange(10 ** 6):06d}+08",
            "date": f"{y}-{mo:02d}-{d:02d}",
            "us": f"{mo}/{d}/{y} {h12}:{mi:02d} {'AM' if h < 12 else 'PM'}",
            "usdate": f"{mo}/{d}/{y}",
            "slash": f"{y}/{mo}/{d} {h:02d}:{mi:02d}",
            "zh": f"{y}年{mo}月{d}日",
            "eu": f"{d:02d}/{mo:02d}/{y} {h:02d}:{mi:02d}",
        }[form]

    def digits(self, n: int) -> str:
        return str(self.r.randrange(1, 10)) + "".join(str(self.r.randrange(10)) for _ in range(n - 1))

    def cn_id(self) -> str:
        weights, check = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), "10X98765432"
        body = self.r.choice(["110101", "310104", "440106"]) + f"{self.r.randrange(1960, 2004)}" + \
            f"{self.r.randrange(1, 13):02d}{self.r.randrange(1, 29):02d}{self.r.randrange(1000):03d}"
        return body + check[sum(int(a) * w for a, w in zip(body, weights)) % 11]


def write_shape(shape: Shape, out: Path, values: Values) -> None:
    rows = [[make(values, i) for _, make, _ in shape.cols] for i in range(ROWS)]
    header = [h for h, _, _ in shape.cols]
    path = out / shape.file
    if shape.file.endswith(".xlsx"):
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("Sheet1")
        line = 0
        if shape.title:
            sheet.write_string(0, 0, shape.title)
            line = 1
        for j, h in enumerate(header):
            sheet.write_string(line, j, h)
        for i, row in enumerate(rows, start=line + 1):
            for j, v in enumerate(row):
                sheet.write_string(i, j, v)
        book.close()
        return
    if shape.file.endswith((".json", ".ndjson")):
        docs = [shape.document(row) for row in rows]
        text = ("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n"
                if shape.file.endswith(".ndjson") else json.dumps(docs, ensure_ascii=False, indent=1))
        path.write_text(text, encoding="utf-8")
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t" if shape.file.endswith(".tsv") else ",",
                        lineterminator="\r\n" if shape.crlf else "\n",
                        quoting=csv.QUOTE_ALL if shape.quote_all else csv.QUOTE_MINIMAL)
    if shape.title:
        writer.writerow([shape.title] + [""] * (len(header) - 1))
    if shape.header:
        writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue()
    path.write_bytes(data.encode(shape.encoding))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    labels = {}
    for k, shape in enumerate(SHAPES):
        write_shape(shape, args.out, Values(SEED * 1000 + k))
        labels[shape.file] = {"tool": shape.tool, "doc": shape.doc, "roles": shape.labels,
                              "inverted": list(shape.inverted)}
    (args.out / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    print(f"{len(SHAPES)} export shapes written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
