"""Reading, streaming and training from a real PostgreSQL server (a private one, started for this module).

Skipped only when PostgreSQL's binaries or the psycopg driver are missing (see postgres.py).
"""

import pandas as pd
import pytest

from postgres import postgres_server

from deepmine.data import read_table
from deepmine.data.stream import TableStream, open_stream
from deepmine.errors import DataError


@pytest.fixture(scope="module")
def url(churn):
    with postgres_server() as address:
        import sqlalchemy

        engine = sqlalchemy.create_engine(address)
        try:
            with engine.begin() as connection:
                churn.to_sql("churn", connection, index=False, chunksize=1000, method="multi")
                connection.exec_driver_sql("CREATE TABLE notes (id integer, note text)")
        finally:
            engine.dispose()
        yield address


def test_read_table_round_trips(url, churn):
    frame = read_table(url, table="churn")
    assert frame.shape == churn.shape and list(frame.columns) == list(churn.columns)
    pd.testing.assert_frame_equal(frame, churn, check_dtype=False, check_column_type=False)


def test_stream_batches_from_a_server_side_cursor(url, churn):
    import sqlalchemy

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, context.execution_options.get("stream_results", False)))

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", record)
    try:
        stream = TableStream(url, table="churn", batch_rows=500)
        batches = list(stream.batches())
        assert stream.count_rows() == len(churn)
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", record)
    assert [len(b) for b in batches] == [500] * 10
    assert all(list(b.columns) == list(churn.columns) and b.dtypes.equals(batches[0].dtypes) for b in batches)
    pd.testing.assert_frame_equal(pd.concat(batches), read_table(url, table="churn"))
    selects = [streamed for statement, streamed in statements if statement.lstrip().upper().startswith("SELECT")
               and "churn" in statement and "count(" not in statement.lower()]
    assert selects and all(selects)  # every read of the rows ran on a server-side cursor
    assert any("count(" in statement.lower() for statement, _ in statements)  # count_rows asked the server


def test_query_source(url, churn):
    query = "SELECT state, total_day_minutes, churn FROM churn WHERE churn = 'yes'"
    stream = open_stream(url, query=query, batch_rows=200)
    assert stream.columns == ["state", "total_day_minutes", "churn"]
    frame = pd.concat(stream.batches())
    assert len(frame) == stream.count_rows() == int((churn.churn == "yes").sum())
    pd.testing.assert_frame_equal(frame, read_table(url, query=query))
    shards = stream.shards(2)
    assert sum(len(b) for s in shards for b in s.batches()) == len(frame)


def test_missing_table_names_the_tables(url):
    with pytest.raises(DataError, match=r"no table named 'churns' \(its tables: churn, notes\)"):
        open_stream(url, table="churns")
    with pytest.raises(DataError, match="no table named 'churns'"):
        read_table(url, table="churns")


def test_compare_trains_from_postgresql(url):
    import deepmine

    board = deepmine.compare("classification", url, table="churn", target="churn",
                             models="logistic_regression,deep_mlp", options={"max_epochs": 5})
    assert set(board.frame.model) == {"logistic_regression", "deep_mlp"}
    assert board.frame.accuracy.max() > 0.85


def test_cli_classifies_a_postgresql_table(url, tmp_path):
    from typer.testing import CliRunner

    from deepmine.cli.main import app

    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["classify", url, "--table", "churn", "--target", "churn",
                                      "--models", "logistic_regression", "-o", str(out)])
    assert result.exit_code == 0, result.output[-2000:]
    assert out.exists()
