"""Cohort assessment on Dask: a Parquet cohort in 4 partitions on a local cluster gives the
single-process rows in order; bad rows of any partition named with their file row, nothing
written; hostile options refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.cli.test_cohort_files import _cohort_csv, _missing_as_none
from typer.testing import CliRunner

from tacepath.cli import app
from tacepath.errors import InputError
from tacepath.interop.cohort_dask import assess_cohort_partitioned
from tacepath.interop.cohort_io import assess_cohort_file

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _parquet(tmp: Path, n: int, bad: dict[int, str] | None = None) -> Path:
    _cohort_csv(tmp / "c.csv", n, bad)
    src = tmp / "cohort.parquet"
    pd.read_csv(tmp / "c.csv", dtype=str).to_parquet(src, index=False)
    return src


def _same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got.attrs == want.attrs
    pd.testing.assert_frame_equal(_missing_as_none(got), _missing_as_none(want))


def test_four_partitions_on_a_local_cluster_give_the_single_process_rows(tmp_path: Path) -> None:
    src = _parquet(tmp_path, 203)  # 203 = 4 uneven partitions; no tumours in the first rows
    single, parts = tmp_path / "single.parquet", tmp_path / "scores.parquet"
    assert assess_cohort_file(src, single) == 203
    n = assess_cohort_partitioned(src, parts, partitions=4, processes=False)
    assert n == 203
    files = sorted(p.name for p in parts.iterdir())
    assert files == [f"part-{i:05d}.parquet" for i in range(4)]
    sizes = [len(pd.read_parquet(parts / f)) for f in files]
    assert sum(sizes) == 203
    assert min(sizes) > 0
    _same_rows(pd.read_parquet(parts), pd.read_parquet(single))


def test_a_folder_of_parquet_files_and_the_cli(tmp_path: Path) -> None:
    """The example cohort split into two files, assessed by the command on a local cluster
    of processes: the rows of `tacepath assess examples/cohort.csv`."""
    frame = pd.read_csv(EXAMPLES / "cohort.csv", dtype=str)
    folder = tmp_path / "registry"
    folder.mkdir()
    frame.iloc[:3].to_parquet(folder / "a.parquet", index=False)
    frame.iloc[3:].to_parquet(folder / "b.parquet", index=False)
    single = tmp_path / "single.parquet"
    frame.to_parquet(tmp_path / "whole.parquet", index=False)
    assess_cohort_file(tmp_path / "whole.parquet", single)
    out = tmp_path / "scores.parquet"
    r = runner.invoke(app, ["assess", str(folder), "--partitions", "3", "--scheduler", "local",
                            "--out", str(out)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "6 patients assessed in 3 partitions" in r.stderr
    _same_rows(pd.read_parquet(out), pd.read_parquet(single))


def test_bad_rows_in_two_partitions_named_by_file_row_and_nothing_written(tmp_path: Path) -> None:
    src = _parquet(tmp_path, 40, bad={3: "-3", 37: "abc"})
    out = tmp_path / "scores.parquet"
    with pytest.raises(InputError) as info:
        assess_cohort_partitioned(src, out, partitions=4, processes=False)
    fields = [p.field for p in info.value.problems]
    assert fields == ["row 5 (id=P003): bilirubin", "row 39 (id=P037): bilirubin"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "cohort.parquet"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--partitions", "0"], "--partitions"),
        (["--partitions", "10001"], "--partitions"),
        (["--partitions", "2", "--scheduler", "not-an-address"], "--scheduler"),
        (["--partitions", "2", "--encoding", "latin-1"], "--encoding"),
    ],
)
def test_hostile_options_refused(tmp_path: Path, args: list[str], field: str) -> None:
    src = _parquet(tmp_path, 5)
    r = runner.invoke(app, ["assess", str(src), *args, "--out", str(tmp_path / "o.parquet")])
    assert r.exit_code == 2
    assert field in r.output
    assert not (tmp_path / "o.parquet").exists()


def test_inputs_and_outputs_refused(tmp_path: Path) -> None:
    src = _parquet(tmp_path, 5)
    with pytest.raises(InputError, match="Parquet"):
        assess_cohort_partitioned(tmp_path / "c.csv", tmp_path / "o.parquet", processes=False)
    (tmp_path / "exists.parquet").mkdir()
    with pytest.raises(InputError, match="new folder name"):
        assess_cohort_partitioned(src, tmp_path / "exists.parquet", processes=False)
    with pytest.raises(InputError, match=r"ending \.parquet"):
        assess_cohort_partitioned(src, tmp_path / "o.csv", processes=False)
    r = runner.invoke(app, ["assess", str(src), "--partitions", "2"])
    assert r.exit_code == 2
    assert "--out" in r.output


def test_a_damaged_file_or_a_table_without_ids_is_refused_clearly(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    folder.mkdir()
    pd.read_csv(EXAMPLES / "cohort.csv", dtype=str).to_parquet(folder / "a.parquet", index=False)
    (folder / "b.parquet").write_bytes(b"PAR1" + b"damaged" * 3 + b"PAR1")
    with pytest.raises(InputError, match="readable Parquet files"):
        assess_cohort_partitioned(folder, tmp_path / "o.parquet", partitions=2, processes=False)
    pd.DataFrame({"x": [1, 2, 3]}).to_parquet(tmp_path / "no-id.parquet", index=False)
    with pytest.raises(InputError, match="an id column") as info:
        assess_cohort_partitioned(
            tmp_path / "no-id.parquet", tmp_path / "o.parquet", partitions=2, processes=False
        )
    assert len(info.value.problems) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no-id.parquet", "registry"]
