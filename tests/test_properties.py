"""Property tests: random reports survive the input-file round trip; random mutations of a valid
file never produce a traceback, only documented exit codes."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE_2021, SEED_2019, run_cli
from docgen.rules.checks import check, has_errors
from docgen.report.dump import to_yaml
from docgen.report.load import load_text
from strategies import reports

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(reports())
def test_yaml_round_trip(report):
    loaded = load_text(to_yaml(report), "random.yaml").report
    assert loaded.model_dump() == report.model_dump()
    assert not has_errors(check(loaded))


@SETTINGS
@given(reports(consistent=False))
def test_inconsistent_reports_are_caught(report):
    findings = check(load_text(to_yaml(report), "random.yaml").report)
    assert any(f.rule == "R1" for f in findings)


MUTATIONS = ["", "-", "x", "五", "1.5", "[", "]", "{", "}", ":", ": ", "\n", "  ", "\t", "'", '"', "!!python/object ", "&a ", "*a", "~", "null", "-1", "#", ",", "|", ">"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_random_mutations_never_crash(tmp_path_factory, data):
    source = data.draw(st.sampled_from([SEED_2019, EXAMPLE_2021])).read_text(encoding="utf-8")
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    text = source
    for _ in range(data.draw(st.integers(1, 4))):
        at = rng.randrange(len(text))
        cut = rng.randrange(0, 6)
        text = text[:at] + rng.choice(MUTATIONS) + text[at + cut :]
    path = tmp_path_factory.mktemp("mut") / "m.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("check", path)
    assert result.code in (0, 1, 2), result.text
    assert "Traceback" not in result.text and "内部错误" not in result.text
