"""The command line: version, help, check-config, usage errors."""
import re

import pytest

VERSION_RE = re.compile(r"vigil \d+\.\d+\.\d+\S*")


@pytest.mark.parametrize("cmd", [["version"], ["--version"]])
def test_version(run_vigil, cmd):
    p = run_vigil(*cmd)
    assert p.returncode == 0
    assert VERSION_RE.fullmatch(p.stdout.strip()), p.stdout
    assert p.stdout.endswith("\n")


@pytest.mark.parametrize("cmd,usage", [
    (["serve", "--help"], "usage: vigil serve"),
    (["serve", "-h"], "usage: vigil serve"),
    (["check-config", "--help"], "usage: vigil check-config"),
    (["version", "--help"], "usage: vigil version"),
    (["--help"], "usage: vigil <command>"),
    (["help"], "usage: vigil <command>"),
])
def test_help_exits_zero(run_vigil, cmd, usage):
    p = run_vigil(*cmd)
    assert p.returncode == 0, p.stderr
    assert usage in p.stdout


def test_serve_help_documents_flags(run_vigil):
    out = run_vigil("serve", "--help").stdout
    for flag in ("--config", "--listen", "--data", "--log-level"):
        assert flag in out


def test_main_help_lists_commands(run_vigil):
    out = run_vigil("--help").stdout
    for cmd in ("serve", "check-config", "version"):
        assert cmd in out


@pytest.mark.parametrize("cmd", [["frobnicate"], ["Serve"], ["-x"]])
def test_unknown_command_exits_2(run_vigil, cmd):
    p = run_vigil(*cmd)
    assert p.returncode == 2
    assert "usage: vigil" in p.stderr
    assert p.stdout == ""


def test_unknown_command_is_named(run_vigil):
    p = run_vigil("frobnicate")
    assert "unknown command 'frobnicate'" in p.stderr


def test_no_command_exits_2(run_vigil):
    p = run_vigil()
    assert p.returncode == 2
    assert "usage: vigil" in p.stderr


@pytest.mark.parametrize("args", [
    ["serve", "--bogus"],
    ["serve", "unexpected"],
    ["serve", "--log-level", "loud"],
    ["version", "extra"],
    ["check-config"],
    ["check-config", "a.yaml", "b.yaml"],
])
def test_usage_errors_exit_2(run_vigil, args):
    p = run_vigil(*args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert p.stderr.strip()


def test_check_config_good_file(run_vigil, tmp_path):
    cfg = tmp_path / "good.yaml"
    cfg.write_text("# vigil\nlisten: 127.0.0.1:8080\nlogLevel: debug\ndataDir: /var/lib/vigil\n"
                   "httpIdleTimeout: 10s\nhttpMaxBodySize: 1KiB\nshutdownTimeout: 2500ms\n")
    p = run_vigil("check-config", cfg)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == f"{cfg}: ok"


def test_check_config_empty_file_is_ok(run_vigil, tmp_path):
    cfg = tmp_path / "empty.yaml"
    cfg.write_text("")
    p = run_vigil("check-config", cfg)
    assert p.returncode == 0 and "ok" in p.stdout


def test_check_config_unknown_key(run_vigil, tmp_path):
    cfg = tmp_path / "unknown.yaml"
    cfg.write_text("listen: 127.0.0.1:8080\n\nbogusKey: 1\n")
    p = run_vigil("check-config", cfg)
    assert p.returncode == 1
    assert p.stderr.startswith(f"{cfg}:3:1: unknown key 'bogusKey'"), p.stderr
    assert "ok" not in p.stdout


def test_check_config_suggests_a_close_key(run_vigil, tmp_path):
    cfg = tmp_path / "typo.yaml"
    cfg.write_text("listen: 127.0.0.1:8080\n  \nloglevel: info\n")
    p = run_vigil("check-config", cfg)
    assert p.returncode == 1
    assert re.match(re.escape(str(cfg)) + r":3:1: unknown key 'loglevel'.*logLevel", p.stderr)


@pytest.mark.parametrize("text,line", [
    ('listen: "127.0.0.1:8080\n', 2),                     # unterminated quoted scalar
    ("listen: 127.0.0.1:8080\nlogLevel: info\n- item\n", 3),  # a list item in a mapping
    ("listen: 127.0.0.1:8080\n\tlogLevel: info\n", 2),       # a tab as indentation
    ("listen: 127.0.0.1:8080\n{logLevel: info\n", 3),       # unclosed flow mapping
])
def test_check_config_yaml_syntax_error(run_vigil, tmp_path, text, line):
    cfg = tmp_path / "broken.yaml"
    cfg.write_text(text)
    p = run_vigil("check-config", cfg)
    assert p.returncode == 1, (p.stdout, p.stderr)
    m = re.match(re.escape(str(cfg)) + r":(\d+):(\d+): \S", p.stderr)
    assert m, p.stderr
    if line is not None:
        assert int(m.group(1)) == line, p.stderr
    assert int(m.group(2)) >= 1


@pytest.mark.parametrize("text,where,what", [
    ("logLevel: loud\n", "1:11", "logLevel"),
    ("listen: 127.0.0.1\n", "1:9", "listen"),
    ("httpMaxBodySize: 0\n", "1:18", "httpMaxBodySize"),
    ("httpIdleTimeout: soon\n", "1:18", "httpIdleTimeout"),
    ("listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n", "2:1", "duplicate"),
])
def test_check_config_bad_values(run_vigil, tmp_path, text, where, what):
    cfg = tmp_path / "values.yaml"
    cfg.write_text(text)
    p = run_vigil("check-config", cfg)
    assert p.returncode == 1
    assert p.stderr.startswith(f"{cfg}:{where}: "), p.stderr
    assert what in p.stderr


def test_check_config_missing_file(run_vigil, tmp_path):
    p = run_vigil("check-config", tmp_path / "nope.yaml")
    assert p.returncode == 1
    assert "nope.yaml" in p.stderr and "cannot open" in p.stderr
