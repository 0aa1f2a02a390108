"""The command line in Chinese: the summary, rule docs, errors and --help follow --lang (or
the policy's [report] lang, or the locale); English output is unchanged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"


def _scan(tmp_path, *extra, env=None):
    return CliRunner(env=env).invoke(main, [*extra[:0], "scan", str(SAMPLE / "crm_export_gb18030.csv"),
                                            "--policy", str(SAMPLE / "policy.toml"), "--out", str(tmp_path / "out"),
                                            "--state-dir", str(tmp_path / "state"), "--as-of", "2026-11-23",
                                            "--no-progress", "--no-html", *extra])


def test_the_summary_in_chinese_and_english(tmp_path):
    zh = _scan(tmp_path, "--lang", "zh")
    assert zh.exit_code == 0, zh.output
    assert "结论" in zh.stdout and "名单结论： 复核" in zh.stdout and "同意时长超过策略允许的上限" in zh.stdout
    assert not re.search(r"\b(verdict|finding|severity|rejected|outputs)\b", zh.stdout)
    en = _scan(tmp_path)
    assert "list verdict: REVIEW" in en.stdout and "consent-expired" in en.stdout and "结论" not in en.stdout


def test_policy_lang_and_its_precedence(tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text((SAMPLE / "policy.toml").read_text("utf-8") + '\n[report]\nlang = "zh"\n', "utf-8")
    base = ["scan", str(SAMPLE / "crm_export_gb18030.csv"), "--policy", str(policy), "--as-of", "2026-11-23",
            "--state-dir", str(tmp_path / "state"), "--no-progress"]
    by_policy = CliRunner().invoke(main, [*base, "--out", str(tmp_path / "a")])
    assert "名单结论" in by_policy.stdout
    assert 'lang="zh-CN"' in (tmp_path / "a" / "report.html").read_text("utf-8")
    by_option = CliRunner().invoke(main, [*base, "--out", str(tmp_path / "b"), "--lang", "en"])
    assert "list verdict:" in by_option.stdout
    by_group = CliRunner().invoke(main, ["--lang", "en", *base, "--out", str(tmp_path / "c")])
    assert "list verdict:" in by_group.stdout
    # the next invocation starts from its own language, not the last one's
    assert "list verdict:" in _scan(tmp_path).stdout


def test_rules_docs_in_chinese_cite_the_law():
    out = CliRunner().invoke(main, ["--lang", "zh", "rules", "CN001"]).output
    assert "《广告法》第四十三条" in out and "《通信短信息服务管理规定》第二十一条" in out
    assert "《个人信息保护法》第十三条" in out and "《民法典》第一千零三十三条" in out
    out = CliRunner().invoke(main, ["--lang", "zh", "rules", "LS012"]).output
    assert "《刑法》第二百五十三条之一" in out and "法释〔2017〕10号第五条" in out and "五千条" in out
    assert "五百条" in out and "五十条" in out
    listing = CliRunner().invoke(main, ["--lang", "zh", "rules"]).output
    assert listing.startswith("行级与列级规则：") and "CN002" in listing


def test_errors_in_chinese_and_unchanged_in_english(tmp_path):
    zh = CliRunner().invoke(main, ["--lang", "zh", "scan", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")])
    assert zh.exit_code == 2 and "contact-scanner: 错误: " in zh.stderr and "找不到文件" in zh.stderr
    en = CliRunner(env={"LANG": "C.UTF-8", "LC_ALL": None, "LANGUAGE": None}).invoke(
        main, ["scan", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")])
    assert en.exit_code == 2 and en.stderr.strip().endswith("missing.csv: file not found")
    assert "contact-scanner: error: " in en.stderr


@pytest.mark.parametrize("how", ["option", "locale"])
def test_help_in_chinese(how):
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    args = [sys.executable, "-m", "scanner", "scan", "--help"]
    if how == "option":
        args.insert(3, "--lang")
        args.insert(4, "zh")
    else:
        env["LANG"] = "zh_CN.UTF-8"
    out = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "扫描 INPUT" in out.stdout and "输出文件夹。" in out.stdout and "不写出 report.html" in out.stdout


def test_policy_and_ingest_errors_in_chinese(tmp_path):
    policy = tmp_path / "bad.toml"
    policy.write_text('[campaign]\nchanel = "sms"\n', "utf-8")
    no_phone = tmp_path / "nophone.csv"
    no_phone.write_text("a,b\nx,y\n", "utf-8")
    bad = CliRunner().invoke(main, ["--lang", "zh", "scan", str(SAMPLE / "crm_export_gb18030.csv"), "--policy",
                                    str(policy), "--out", str(tmp_path / "o")])
    assert bad.exit_code == 2 and bad.stderr.strip().endswith("campaign.chanel: 未知的键")
    found = CliRunner().invoke(main, ["--lang", "zh", "scan", str(no_phone), "--out", str(tmp_path / "o"),
                                      "--state-dir", str(tmp_path / "s")])
    assert found.exit_code == 2 and "nophone.csv: 未找到电话号码列（各列：a：文本（1 个值中 1 个不同）" in found.stderr


def test_certify_and_verify_in_chinese(tmp_path):
    from tests.certify.test_certificate import ROWS, write_list

    runner = CliRunner()
    assert runner.invoke(main, ["keys", "signing", "--out", str(tmp_path / "sig")]).exit_code == 0
    listing = write_list(tmp_path / "list.csv", ROWS)
    cert = tmp_path / "cert.json"
    made = runner.invoke(main, ["--lang", "zh", "certify", str(listing), "--signing-key",
                                str(tmp_path / "sig" / "signing-key.pem"), "--to", str(cert), "--state-dir",
                                str(tmp_path / "state"), "--as-of", "2026-06-01T10:00:00+08:00"])
    assert made.exit_code == 1 and "结论 不合格" in made.stdout
    checked = runner.invoke(main, ["verify", str(cert), str(listing), "--public-key",
                                   str(tmp_path / "sig" / "signing-key.pub.pem"), "--lang", "zh"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.splitlines()[0] == f"证书结论：不合格（{cert}：验证通过）"


def test_the_new_key_notice_in_chinese(tmp_path):
    made = CliRunner().invoke(main, ["--lang", "zh", "scan", str(SAMPLE / "crm_export_gb18030.csv"), "--out",
                                     str(tmp_path / "o"), "--state-dir", str(tmp_path / "s"), "--no-progress",
                                     "--no-html", "--fail-on", "never"])
    assert made.exit_code == 0, made.output
    assert "提示: 未找到状态文件夹" in made.stderr and "请备份此密钥" in made.stderr
