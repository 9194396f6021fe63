"""``tacepath survival km | logrank | cox --scheduler local`` on a folder of Parquet files
prints the JSON of the single-process command on the same rows (numbers to 1e-10);
options that need the rows in one process, and a bad scheduler, are refused (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.survival.rfixtures import dataset
from tests.survival.test_distributed import same
from typer.testing import CliRunner

from tacepath.cli import app

runner = CliRunner()


def _folder(tmp: Path, name: str, parts: int = 3) -> tuple[Path, Path]:
    """The R data set ``name`` as one Parquet file and as a folder of ``parts`` files."""
    frame = dataset(name)
    whole = tmp / f"{name}.parquet"
    frame.to_parquet(whole, index=False)
    folder = tmp / f"{name}_parts"
    folder.mkdir()
    step = -(-len(frame) // parts)
    for i in range(parts):
        frame.iloc[i * step : (i + 1) * step].to_parquet(folder / f"p{i}.parquet", index=False)
    return whole, folder


def _json(args: list[str]) -> Any:
    r = runner.invoke(app, [*args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["km", "--time", "time", "--event", "status", "--group", "sex", "--times", "100,365"],
        ["logrank", "--time", "time", "--event", "status", "--group", "sex",
         "--strata", "ph.ecog", "--fh", "1,1"],
        ["cox", "--time", "time", "--event", "status", "--covariates", "age,ph.ecog,wt.loss",
         "--strata", "sex", "--ties", "breslow"],
    ],
)  # fmt: skip
def test_the_dask_command_prints_the_single_process_json(tmp_path: Path, args: list[str]) -> None:
    whole, folder = _folder(tmp_path, "lung")
    single = _json(["survival", args[0], str(whole), *args[1:]])
    dask = _json(["survival", args[0], str(folder), *args[1:], "--scheduler", "local"])
    same(single, dask)


def test_the_text_output_names_the_same_test(tmp_path: Path) -> None:
    _, folder = _folder(tmp_path, "veteran", parts=2)
    r = runner.invoke(app, ["survival", "logrank", str(folder), "--time", "time", "--event",
                            "status", "--group", "trt", "--scheduler", "local"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Log-rank test" in r.stdout
    assert "Chisq= 0.0  on 1 degrees of freedom" in r.stdout


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["km", "--time", "time", "--censor", "status"], "--censor"),
        (["km", "--time", "time", "--event", "status", "--weights", "age"], "--weights"),
        (["logrank", "--time", "time", "--event", "status", "--group", "sex", "--maxcombo"],
         "--maxcombo"),
        (["cox", "--time", "time", "--event", "status", "--covariates", "sex",
          "--categorical", "sex"], "--categorical"),
        (["cox", "--time", "time", "--event", "status", "--covariates", "age", "--zph"], "--zph"),
        (["cox", "--time", "time", "--covariates", "age"], "--event"),
    ],
)  # fmt: skip
def test_options_that_need_the_rows_are_refused(tmp_path: Path, args: list[str], flag: str) -> None:
    _, folder = _folder(tmp_path, "lung", parts=2)
    r = runner.invoke(app, ["survival", args[0], str(folder), *args[1:], "--scheduler", "local"])
    assert r.exit_code == 2
    assert flag in r.stderr


@pytest.mark.parametrize("scheduler", ["localhost:8786", "x" * 300])
def test_a_bad_scheduler_or_input_is_refused(tmp_path: Path, scheduler: str) -> None:
    _, folder = _folder(tmp_path, "lung", parts=2)
    args = ["survival", "km", str(folder), "--time", "time", "--event", "status"]
    r = runner.invoke(app, [*args, "--scheduler", scheduler])
    assert r.exit_code == 2
    assert "--scheduler" in r.stderr
    assert "x" * 100 not in r.stderr
    (tmp_path / "notes.txt").write_text("time,status\n1,1\n")
    r = runner.invoke(app, [*args[:2], str(tmp_path / "notes.txt"), *args[3:], "--scheduler",
                            "local"])  # fmt: skip
    assert r.exit_code == 2
    assert "Parquet" in r.stderr


def test_a_running_scheduler_by_its_address(tmp_path: Path) -> None:
    """``--scheduler ADDRESS`` connects to a running cluster (here one in this process)."""
    from dask.distributed import LocalCluster

    whole, folder = _folder(tmp_path, "veteran", parts=4)
    args = ["--time", "time", "--event", "status", "--covariates", "karno,age",
            "--strata", "celltype"]  # fmt: skip
    single = _json(["survival", "cox", str(whole), *args])
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        dask = _json(["survival", "cox", str(folder), *args, "--scheduler", address])
        ran = list(cluster.scheduler.task_prefixes)
    assert any(name.startswith("bag-from-delayed") for name in ran), ran
    same(single, dask)
