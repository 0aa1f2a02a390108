"""The allocator settings a scan runs with (scanner/__init__.py): effective in polars'
jemalloc when ``scanner`` is imported first (as the CLI does), and a user's own setting wins."""

import os
import subprocess
import sys

import scanner


def _jemalloc_options(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    if env_value is not None:
        env["_RJEM_MALLOC_CONF"] = env_value
    # stats_print makes jemalloc print its effective options at exit; it is added to the
    # variable just before polars loads (scanner's own imports load it)
    code = ("import os, sys, importlib.abc\n"
            "class Tracer(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'polars' and 'scanner' in sys.modules:\n"
            "            os.environ['_RJEM_MALLOC_CONF'] += ',stats_print:true'\n"
            "            sys.meta_path.remove(self)\n"
            "sys.meta_path.insert(0, Tracer())\n"
            "import scanner, polars as pl\n"
            "pl.Series([1, 2]).sum()\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def test_scanner_sets_the_decay_polars_then_uses():
    assert scanner.ALLOCATOR_SETTINGS == "dirty_decay_ms:2000,muzzy_decay_ms:2000"
    options = _jemalloc_options(None)
    assert "opt.dirty_decay_ms: 2000" in options
    assert "opt.muzzy_decay_ms: 2000" in options


def test_a_users_allocator_setting_wins():
    options = _jemalloc_options("dirty_decay_ms:700")
    assert "opt.dirty_decay_ms: 700" in options
    assert "opt.muzzy_decay_ms: 2000" not in options


def test_polars_own_default_inherited_from_a_parent_is_replaced():
    # a process that imported polars passes polars' default on to the scans it starts
    options = _jemalloc_options(scanner.POLARS_ALLOCATOR_DEFAULT)
    assert "opt.dirty_decay_ms: 2000" in options
