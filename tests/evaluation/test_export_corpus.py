"""The export-shape corpus (evaluation/exports): every shape maps right, the files are what
the generator writes, and the scorer works on any labelled folder."""

import io
import re
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from evaluation import roles
from evaluation.exports import generate
from evaluation.exports.shapes import SHAPES
from scanner.ingest import read_input

EXPORTS = Path(roles.__file__).resolve().parent / "exports"


def test_every_export_shape_maps_right():
    score = roles.evaluate(EXPORTS, EXPORTS / "labels.json")
    assert score.files == len(SHAPES) >= 30
    assert score.misses == []
    assert score.precision == 1.0 and score.recall >= 0.99


def test_the_corpus_is_what_the_generator_writes(tmp_path):
    generate.main(["--out", str(tmp_path)])
    assert json.loads((tmp_path / "labels.json").read_text("utf-8")) == \
        json.loads((EXPORTS / "labels.json").read_text("utf-8"))
    for shape in SHAPES:
        if not shape.file.endswith(".xlsx"):  # (xlsx files carry a creation time)
            assert (tmp_path / shape.file).read_bytes() == (EXPORTS / shape.file).read_bytes(), shape.file


def test_variants_title_row_other_language_and_no_header_are_in_the_corpus():
    by_file = {s.file: s for s in SHAPES}
    assert any(s.title for s in SHAPES) and any(not s.header for s in SHAPES)
    titled = read_input(EXPORTS / "cn_sheet_title_gb18030.csv")
    assert titled.title_rows == 1 and titled.encoding == "gb18030"
    assert read_input(EXPORTS / "excel_template_cn.xlsx").title_rows == 1
    assert not read_input(EXPORTS / "headerless_vendor.txt").has_header
    assert "salesforce_leads_zh.csv" in by_file and "wecom_customers_en.csv" in by_file


def test_no_false_phone_column_among_look_alike_numbers():
    ing = read_input(EXPORTS / "not_a_phone.csv")
    assert ing.phone_columns == ("phone",) and ing.columns["phone"] == "联系手机"


def test_the_scorer_counts_misses_on_any_labelled_folder(tmp_path):
    (tmp_path / "a.csv").write_text("手机,是否订阅,备注\n13800138000,是,x\n13900139000,否,y\n", encoding="utf-8")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"a.csv": {"roles": {"手机": "phone", "备注": "source"}}}), encoding="utf-8")
    out = io.StringIO()
    with redirect_stdout(out):
        code = roles.main(["--exports", str(tmp_path), "--labels", str(labels), "--min-precision", "1"])
    text = out.getvalue()
    # 是否订阅 mapped but labelled no role (precision 1/2); 备注 labelled but not mapped (recall 1/2)
    assert code == 1 and "precision 0.5000  recall 0.5000" in text
    assert "'是否订阅' mapped as consent, expected no role" in text


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.inverted], ids=lambda s: s.file)
def test_refusal_columns_of_the_corpus_are_read_inverted(shape):
    assert read_input(EXPORTS / shape.file).inverted == frozenset(shape.inverted)


def test_every_shape_says_where_its_headers_come_from_or_that_nothing_was_found():
    # (a source is a URL or a repository path; otherwise the doc says what was not verified)
    source = re.compile(r"https?://|\b[\w.-]+\.(com|org|io|cn)\b|\b[\w.-]+/[\w.-]+ \S+\.(py|md|php|rb)\b|file ids? \d+")
    for shape in SHAPES:
        marked = shape.doc.startswith(("NOT VERIFIED", "NOT A TOOL EXPORT", "PARTLY"))
        assert marked or source.search(shape.doc), shape.file
