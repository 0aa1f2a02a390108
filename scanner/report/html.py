"""report.html: the scan's report as one self-contained page, in Chinese or English.

Built from report.json alone (its aggregates: :mod:`scanner.report.aggregates`), never from
rows, so building it costs the same at any list size. The page has no script, loads
nothing (no font, stylesheet or image from anywhere: the charts are inline SVG drawn at
scan time by :mod:`scanner.report.charts`), opens from disk and prints. Every text that
came from the input (headers, sources, names, list names) is HTML-escaped by the template
engine and isolated in ``<bdi>`` so right-to-left or override characters cannot reorder
the page around it. What the terminal shows as English sentences comes from the gettext
catalog (:mod:`scanner.i18n`); codes, keys and values of report.json stay as they are.
"""

from __future__ import annotations

import functools
import threading
import time
from pathlib import Path
from typing import Any, Callable

from markupsafe import Markup

from scanner.analyses.signal_words import SHARE_SIGNALS, detail_text
from scanner.codes import doc_parts, rule_doc  # noqa: F401 (the certificate page and the catalog read them here too)
from scanner.i18n import Text, gettext_for
from scanner.report import charts
from scanner.report.templating import _environment, num, pct  # noqa: F401 (the certificate page reads the environment here)

#: Mapping rows shown (a 16,384-column sheet would otherwise make a long page).
COLUMNS_SHOWN = 200


def N_(message: str) -> str:
    """Marks a message for the catalog where it is translated later (by value)."""
    return message


#: report.json values shown as words (translated by value; the values stay English in the JSON).
VALUE_WORDS = (
    N_("valid phone numbers"), N_("email addresses"), N_("consent values"), N_("dates/times"),
    N_("channel values"), N_("purpose values"), N_("region codes"), N_("opt-out times"),
    N_("phone"), N_("name"), N_("email"), N_("source"), N_("consent"), N_("consent_channel"),
    N_("consent_purpose"), N_("consent_time"), N_("consent_evidence"), N_("region"), N_("collected_at"),
    N_("granted"), N_("refused"), N_("withdrawn"), N_("missing"), N_("unknown"),
    N_("pass"), N_("review"), N_("fail"), N_("accept"), N_("reject"),
    N_("error"), N_("warning"), N_("info"),
    N_("policy"), N_("header"), N_("values"), N_("header+values"),
)


def signal_detail(s: dict[str, Any], _: Callable[[str], str]) -> str:
    """A list signal's value against its threshold, in the language of ``_``."""
    detail = detail_text(s["code"], s.get("value"), s.get("threshold")).in_(_)
    if s.get("value") is None:
        return detail
    state = _("fired") if s.get("fired") else _("not fired")
    return _("{detail} ({state})").format(detail=detail, state=state)


def explanation(purchased: dict[str, Any], key: str, lang: str) -> str | None:
    """The purchased-list model's ``explanation`` or ``not_held_against`` in ``lang``: report.json keeps
    the English and, under ``KEY_text``, the sentence's templates and values (a report
    without them has no words for another language)."""
    if lang == "en":
        return purchased.get(key)
    doc = purchased.get(f"{key}_text")
    return Text.from_json(doc).in_(gettext_for(lang)) if doc else None


def looks_like(u: dict[str, Any], _: Callable[[str], str]) -> str:
    """An unused column's look in words of the language of ``_``, from its template and
    values (report.json's ``looks_like`` is English; an older report has only that)."""
    doc = u.get("looks_like_text")
    return Text.from_json(doc).in_(_) if doc else _(u["looks_like"])


def evidence_words(c: dict[str, Any], _: Callable[[str], str]) -> list[str]:
    """A mapped column's evidence in words of the language of ``_``, from the report's
    structured fields (report.json's own ``evidence`` is English)."""
    evidence = []
    if c.get("basis") == "policy":
        evidence.append(_("set in the policy ([columns])"))
    if c.get("header_words"):
        evidence.append(_("header says {words}").format(words=" ".join(c["header_words"])))
    if c.get("share") is not None and c.get("share_of"):
        evidence.append(_("{share} of sampled values are {what}").format(share=pct(c["share"]),
                                                                          what=_(c["share_of"])))
    if c.get("inverted"):
        evidence.append(_("read inverted (yes = refused)"))
    if c.get("records_consent"):
        evidence.append(_("no consent column: a time records the opt-in"))
    return evidence


class Page:
    """What the template needs, in one language."""

    def __init__(self, report: dict[str, Any], lang: str):
        self.report = report
        self.lang = lang
        self._ = gettext_for(lang)

    def look(self, unused: dict[str, Any]) -> str:
        """An unused column's look in the page's language."""
        return looks_like(unused, self._)

    def word(self, value: Any) -> str:
        """A report.json value shown as a word in the page's language."""
        return self._(str(value)) if value is not None else "–"

    def summary(self, code: str) -> str:
        _name, summary, _doc = rule_doc(code)
        return self._(summary) if summary else ""

    def label(self, code: str) -> str:
        name = rule_doc(code)[0]
        return f"{code} {self.summary(code) if self.lang != 'en' else name}"

    def docs(self) -> dict[str, dict[str, str]]:
        """Each named code's What / Why / How / Example, each paragraph translated, with the
        numbers of the examples masked like every text the scan writes (the list may hold
        the very number a doc uses as its example)."""
        from scanner.privacy.embedded import mask_texts

        docs = {}
        for code in self.rule_codes():
            parts = doc_parts(rule_doc(code)[2])
            docs[code] = {k: "\n\n".join(self._(p) for p in v.split("\n\n")) for k, v in parts.items()}
        texts = [t for parts in docs.values() for t in parts.values()]
        masked = mask_texts(texts, self.report["policy"].get("region")) if texts else {}
        return {code: {k: masked.get(t, t) for k, t in parts.items()} for code, parts in docs.items()}

    # -- sections ---------------------------------------------------------------------

    def verdict(self) -> dict[str, Any]:
        _ = self._
        r = self.report
        rows, lst = r["rows"], r["list"]
        total = rows["total"]
        verdict = lst["verdict"]
        headline = {"pass": _("You can import this list."),
                    "review": _("Import only after a review: some rows or signals need a look."),
                    "fail": _("Do not import this list as it is.")}[verdict]
        reasons = []
        purchased = lst["purchased"]
        fired = [s for s in purchased["signals"] if s["fired"]]
        if purchased["likely"]:
            reasons.append(_("the list looks bought, scraped or generated (purchased score {score})")
                           .format(score=f"{purchased['score']:.2f}"))
        hard = [s["code"] for s in fired if s.get("hard")]
        if hard:
            reasons.append(_("a hard signal fired: {codes}").format(codes=", ".join(hard)))
        limit = r["policy"].get("max_reject_share")
        if total and rows["reject"]:
            share = rows["reject"] / total
            if limit is not None:
                reasons.append(_("{share} of rows are rejected; the policy allows {limit}")
                               .format(share=pct(share), limit=pct(limit)))
            else:
                reasons.append(_("{share} of rows are rejected").format(share=pct(share)))
        if not total:
            reasons.append(_("the list has no rows"))
        return {"verdict": verdict, "headline": headline, "reasons": reasons, "limit": limit,
                "rows": rows, "shares": {v: (rows[v] / total if total else 0.0) for v in ("accept", "review", "reject")},
                "actions": self.actions()}

    def actions(self) -> list[str]:
        """The three things to do next, most urgent first."""
        _ = self._
        r = self.report
        rows, lst = r["rows"], r["list"]
        out: list[str] = []
        purchased = lst["purchased"]
        fired = [s["code"] for s in purchased["signals"] if s["fired"]]
        if purchased["likely"] or any(s["fired"] and s.get("hard") for s in purchased["signals"]):
            out.append(_("Do not send to this list: ask its supplier for each person's consent record "
                         "(signals {codes}).").format(codes=", ".join(fired)))
        errors = [c for c, n in r["findings"].items() if r["rules"].get(c, {}).get("severity") == "error"]
        warnings = [c for c, n in r["findings"].items() if r["rules"].get(c, {}).get("severity") == "warning"]
        top = lambda codes: ", ".join(sorted(codes, key=lambda c: -r["findings"][c])[:3])  # noqa: E731
        if rows["reject"]:
            out.append(_("Leave out the {n} rejected rows (mostly {codes}): import contactable.csv, which "
                         "holds the accepted rows only.").format(n=num(rows["reject"]), codes=top(errors) or "–"))
        if rows["review"]:
            out.append(_("Check the {n} rows marked review (mostly {codes}) before contacting them.")
                       .format(n=num(rows["review"]), codes=top(warnings) or "–"))
        unmapped = r["input"].get("unmapped") or {}
        if unmapped:
            n = sum(v["rows"] for values in unmapped.values() for v in values)
            out.append(_("Map the values nothing understood ({n} rows) in the policy's [vocabulary], then "
                         "scan again.").format(n=num(n)))
        unused = ((r["input"].get("mapping") or {}).get("unused")) or []
        if unused:
            out.append(_("Check the {n} unused columns that look like a role (Column mapping).")
                       .format(n=len(unused)))
        if fired and not purchased["likely"]:
            out.append(_("Read the list signals that fired ({codes}) under Purchased-list evidence.")
                       .format(codes=", ".join(fired)))
        if not out:
            out.append(_("Import contactable.csv: every row passed."))
        out.append(_("Keep this report with the import record; it holds no phone number."))
        return out[:3]

    def mapping(self) -> dict[str, Any]:
        _ = self._
        mapping = self.report["input"].get("mapping") or {}
        columns = []
        for c in (mapping.get("columns") or [])[:COLUMNS_SHOWN]:
            evidence = evidence_words(c, _)
            columns.append({"column": c.get("column"), "role": c.get("role"), "confidence": c.get("confidence"),
                            "primary": c.get("primary"), "basis": c.get("basis"),
                            "evidence": evidence})
        total = len(mapping.get("columns") or [])
        return {"columns": columns, "more": max(0, total - COLUMNS_SHOWN),
                "unused": mapping.get("unused") or [], "unmapped": self.report["input"].get("unmapped") or {}}

    def findings(self) -> list[dict[str, Any]]:
        r = self.report
        examples = r.get("examples") or {}
        return [{"code": c, "label": self.label(c), "rows": n, "severity": r["rules"].get(c, {}).get("severity"),
                 "summary": self.summary(c), "examples": examples.get(c, [])}
                for c, n in sorted(r["findings"].items(), key=lambda kv: -kv[1])]

    def signals(self) -> list[dict[str, Any]]:
        shown = lambda s, v: pct(v) if s["code"] in SHARE_SIGNALS and v is not None else num(v)  # noqa: E731
        return [{**s, "summary": self.summary(s["code"]), "detail": self.signal_detail(s),
                 "value_text": shown(s, s.get("value")), "threshold_text": shown(s, s.get("threshold"))}
                for s in self.report["list"]["purchased"]["signals"]]

    def signal_detail(self, s: dict[str, Any]) -> str:
        """The signal's detail: in English the report's own sentence; in another language
        the signal's value against its threshold in the signal's own terms."""
        if self.lang == "en":
            return s.get("detail", "")
        return signal_detail(s, self._)

    def rule_codes(self) -> list[str]:
        """Every code the page names: findings, column findings and the list signals."""
        codes = list(self.report["findings"]) + [c["code"] for c in self.report.get("columns") or []]
        codes += [s["code"] for s in self.report["list"]["purchased"]["signals"]]
        return list(dict.fromkeys(codes))

    def charts(self) -> dict[str, Markup | None]:
        _ = self._
        r = self.report
        consent = r.get("consent") or {}
        specs = {
            "verdict": charts.verdict_bar(r["rows"], _),
            "findings": charts.findings_bar(r["findings"], r["rules"], self.label, _),
            "age": charts.age_histogram(consent.get("age") or {}, _),
            "hours": charts.hour_histogram(consent.get("hour_of_day") or [], _),
            "gaps": charts.gap_histogram(consent.get("gaps") or {}, _),
            "sources": charts.sources_bar(r.get("provenance") or {}, _),
            "blocks": charts.block_chart(r["list"]["purchased"].get("blocks") or {}, _),
        }
        return {k: (Markup(charts.svg(v)) if v is not None else None) for k, v in specs.items()}


def draw_charts(report: dict[str, Any], lang: str) -> Callable[[], dict[str, Markup | None]]:
    """Start drawing the page's charts on a thread of their own, and return the function
    that waits for them. Charts need only the report's aggregates, which are ready before
    a scan writes its rows; drawn meanwhile, they leave the page little to do once the
    report is complete (the exposure section is written last)."""
    done: dict[str, Any] = {}

    def draw() -> None:
        try:
            done["charts"] = Page(report, lang).charts()
        except BaseException as exc:  # raised where the charts are awaited
            done["error"] = exc

    thread = threading.Thread(target=draw, name="contact-scanner-page-charts", daemon=True)
    thread.start()

    def result() -> dict[str, Markup | None]:
        thread.join()
        if "error" in done:
            raise done["error"]
        return done["charts"]

    return result


def report_html(report: dict[str, Any], *, lang: str = "en",
                drawn: Callable[[], dict[str, Markup | None]] | None = None) -> str:
    """The page for ``report`` (a report.json dict) in ``lang`` (``en`` or ``zh``);
    ``drawn``: its charts from :func:`draw_charts`, when they were started earlier."""
    page = Page(report, lang)
    env = _environment()
    env.install_gettext_callables(page._, lambda s, p, n: page._(s if n == 1 else p), newstyle=False)
    return env.get_template("report.html.j2").render(
        r=report, page=page, lang=lang, verdict=page.verdict(), mapping=page.mapping(),
        findings=page.findings(), signals=page.signals(), charts=drawn() if drawn else page.charts(),
        explanation=explanation(report["list"]["purchased"], "explanation", lang),
        not_held_against=explanation(report["list"]["purchased"], "not_held_against", lang),
        codes=page.rule_codes(), docs=page.docs(), word=page.word, look=page.look, css=_css())


@functools.lru_cache(maxsize=None)
def _css() -> Markup:
    return Markup((Path(__file__).parent / "templates" / "page.css").read_text(encoding="utf-8"))


def timed_report_html(report: dict[str, Any], *, lang: str = "en") -> tuple[str, float]:
    """The page and the seconds it took to build."""
    start = time.perf_counter()
    text = report_html(report, lang=lang)
    return text, time.perf_counter() - start


Gettext = Callable[[str], str]
