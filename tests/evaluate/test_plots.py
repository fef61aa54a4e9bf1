"""``rlkit plot``: learning curves from metrics.csv as a PNG, one line per run; bad input is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.image import imread

from rlkit.evaluate.plots import default_output, metric_curve, read_metrics
from tests.cli.conftest import run_cli
from tests.evaluate.conftest import train_tiny


@pytest.fixture(scope="module")
def evaluated_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run that logged several rows and two evaluations."""
    return train_tiny(tmp_path_factory.mktemp("plots") / "evaluated", "log.interval=64", "eval.interval=256")


def test_metric_curve_skips_rows_without_the_metric(evaluated_run: Path) -> None:
    columns, rows = read_metrics(evaluated_run)
    assert "eval/return_mean" in columns
    train = metric_curve("r", rows, "return_mean")
    evals = metric_curve("r", rows, "eval/return_mean")
    assert train.steps == [float(r["env_steps"]) for r in rows if r["return_mean"]]
    assert len(train.steps) >= 4
    assert 1 <= len(evals.steps) < len(train.steps)
    assert evals.steps == [float(r["env_steps"]) for r in rows if r["eval/return_mean"]]


def test_one_run_default_output(evaluated_run: Path, capsys) -> None:
    status, out, err = run_cli(["plot", str(evaluated_run)], capsys)
    assert status == 0, err
    path = evaluated_run / "learning_curve.png"
    assert f"wrote {path}" in out
    height, width, channels = imread(path).shape
    assert height >= 300 and width >= 500 and channels in (3, 4)


def test_several_runs_and_an_eval_metric(
    evaluated_run: Path, tiny_runs: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    output = tmp_path / "figs" / "curves.png"
    args = [
        "plot",
        str(evaluated_run),
        *map(str, tiny_runs),
        "--metric",
        "loss/value",
        "--output",
        str(output),
    ]
    status, _, err = run_cli(args, capsys)
    assert status == 0, err
    assert imread(output).shape[0] >= 300
    assert default_output([evaluated_run, tiny_runs[0]], "eval/return_mean") == Path(
        "learning_curves_eval-return_mean.png"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--metric", "returns"], "metric 'returns' is not logged"),
        (["--output", "curve.jpg"], "must be a .png"),
        (["MISSING"], "does not exist"),
        (["NOCSV"], "has no metrics.csv"),
    ],
)
def test_bad_input_is_one_line(evaluated_run: Path, tmp_path: Path, capsys, args, expected) -> None:
    (tmp_path / "nocsv").mkdir()
    args = [{"MISSING": str(tmp_path / "missing"), "NOCSV": str(tmp_path / "nocsv")}.get(a, a) for a in args]
    before = sorted(p.name for p in evaluated_run.iterdir())
    status, _, err = run_cli(["plot", str(evaluated_run), *args], capsys)
    assert status == 2 and err.count("\n") == 1 and expected in err, err
    assert sorted(p.name for p in evaluated_run.iterdir()) == before
