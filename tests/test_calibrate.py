"""bench/calibrate.py names the files it fits on, and says when its constants are not the
shipped ones (a newcomer without ../shared gets other constants)."""

from __future__ import annotations

import importlib.util

import yaml

from tests.conftest import ROOT


def load_calibrate():
    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "bench" / "calibrate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_missing_evaluation_file_is_named_and_the_constants_are_not_to_ship(
    tmp_path, monkeypatch, capsys
):
    calibrate = load_calibrate()
    missing = tmp_path / "external-2.yaml"
    monkeypatch.setattr(calibrate, "SHIPPED_FIT", (*calibrate.SHIPPED_FIT[:2], missing))
    files = calibrate.evaluation_files([])
    out = capsys.readouterr().out
    assert f"{missing} is missing: these constants are NOT the ones to ship" in out
    assert "Fitted on the fit halves of: evaluation.yaml, hard_negatives.yaml\n" in out
    assert set(files) == {"evaluation.yaml", "hard_negatives.yaml"}


def test_the_shipped_fit_names_every_evaluation_file_and_the_made_up_negatives():
    names = [path.name for path in load_calibrate().SHIPPED_FIT]
    assert names == ["evaluation.yaml", "hard_negatives.yaml", "external.yaml", "external-2.yaml"]


def test_made_up_negatives_ask_pay_where_no_answer_gives_it_and_are_the_shipped_ones():
    spec = importlib.util.spec_from_file_location("negatives", ROOT / "bench" / "hard_negatives.py")
    made = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(made)
    negatives = made.negatives(ROOT / "knowledge")
    elsewhere = [n for n in negatives if any(p in n for p in made.PLACES + made.COMPANIES)]
    # Even entries that give figures: theirs are for other places.
    assert any("salary" in n.lower() for n in elsewhere), elsewhere
    shipped = yaml.safe_load((ROOT / "bench" / "hard_negatives.yaml").read_text(encoding="utf-8"))
    assert shipped["near_topic"]["fit"]["none"] == negatives  # regenerated after every change
