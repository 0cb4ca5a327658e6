"""The streamed Parquet writer gives ``to_parquet``'s bytes and never a partial file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit.core.parquet_stream import streamed_parquet


def frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "id": np.arange(rows, dtype=np.int32),
        "x": rng.normal(size=rows).astype(np.float32),
        "flag": rng.random(rows) < 0.3,
        "level": pd.Categorical.from_codes(rng.integers(0, 3, rows).astype(np.int8),
                                           categories=["a", "b", "c"]),
    })


@pytest.mark.parametrize("step", [1, 7, 250, 1_000])
def test_streamed_file_is_to_parquets_file(tmp_path, step):
    data = frame(1_000)
    data.to_parquet(tmp_path / "whole.parquet", index=False, row_group_size=128)
    with streamed_parquet(tmp_path / "stream.parquet", len(data), row_group_rows=128) as out:
        for done in [*range(step, len(data), step), len(data)]:
            out.rows_done(done, lambda a, b: data.iloc[a:b])
    assert (tmp_path / "stream.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()


def test_default_row_groups_match_to_parquet(tmp_path):
    data = frame(1_100_000)  # just over one of Arrow's default row groups
    data.to_parquet(tmp_path / "whole.parquet", index=False)
    with streamed_parquet(tmp_path / "stream.parquet", len(data)) as out:
        for done in range(100_000, len(data) + 1, 100_000):
            out.rows_done(done, lambda a, b: data.iloc[a:b])
    assert (tmp_path / "stream.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()


def test_an_error_leaves_no_file(tmp_path):
    data = frame(300)
    with pytest.raises(RuntimeError, match="stop"), \
            streamed_parquet(tmp_path / "p.parquet", len(data), row_group_rows=100) as out:
        out.rows_done(200, lambda a, b: data.iloc[a:b])
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_missing_rows_are_an_error_and_no_file(tmp_path):
    data = frame(300)
    with pytest.raises(ValueError, match="only 200 of 300"), \
            streamed_parquet(tmp_path / "p.parquet", len(data), row_group_rows=100) as out:
        out.rows_done(200, lambda a, b: data.iloc[a:b])
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"expected 0\.\.300"), \
            streamed_parquet(tmp_path / "q.parquet", len(data)) as out:
        out.rows_done(301, lambda a, b: data.iloc[a:b])
