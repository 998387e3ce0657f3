"""Ring linking on Apache Spark (PySpark): from the same case file, the same rings, members,
statistics, ranking and left-out identifiers as the in-process engine (``linking``), for
files beyond one machine. ``spark_session("local[*]")`` runs Spark inside this machine; a
cluster URL (``spark://host:7077``, ``yarn``…) runs it there, where every executor must be
able to read the file's path and import Pingan.

The steps, each a Spark job over DataFrames:

1. Spark's CSV reader cuts the file into rows, numbered in file order (a file is one
   partition when values may span lines, so the numbers are dense: they are the records
   the error messages name). The header is read and checked by ``casefile`` itself.
2. On the executors, ``mapInArrow`` hands batches of rows to the in-process engine's own
   parser (``casefile.RowParser``): the same normalisation of identifiers, amounts, units and
   dates, the same error messages, row by row.
3. Per case: its first row's number (the order of the members file) and, per fact, the
   value of the first row that gives one.
4. Per identifier: its distinct cases; those on the stoplist or shared by more than
   ``max_degree`` cases are left out, the others join their cases to their first case.
5. Connected components of that case graph by large-star / small-star rounds (Kiveris et
   al., "Connected Components in MapReduce and Beyond", 2014): O(log² n) rounds of joins and
   aggregations, no GraphFrames. Each component's label is its first case.
6. Per ring: its cases, victims, loss, towns, first and last day, linking identifiers and
   its id — the smallest reference, compared as UTF-8 bytes, which orders as code points do —
   then ranked by loss, victims and towns (descending) and ring id.

The rings and members come back to the driver as Arrow tables, for ``casefile``'s writers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pingan.core.errors import DomainError
from pingan.fraud.casefile import (
    MSG_NOT_UTF8,
    Batch,
    CaseFileError,
    ReadReport,
    RowError,
    RowParser,
    filled_rows,
    header_columns,
    read_header,
    record_lines,
)
from pingan.fraud.linking import DEFAULT_VICTIMS, LEFT_OUT_DEGREE, LEFT_OUT_STOPLIST, LeftOut, RankedRings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_MASTER = "local[*]"
MSG_NO_PYSPARK = _("The Spark engine needs PySpark: install Pingan with its spark extra "
                   "(pip install -e '.[spark]').")
MSG_NO_JAVA = _("The Spark engine needs Java 17 or later: no java was found on PATH or in JAVA_HOME.")
# Spark's own default, 200 shuffle partitions, suits clusters; on one machine a few per core
# do, and a small file then takes seconds, not minutes.
LOCAL_SHUFFLE_PARTITIONS_PER_CORE = 2
LOCAL_DRIVER_MEMORY = "4g"
_UNKNOWN = -1
_NO_DAY = 0
_DECODE_CHUNK = 1 << 24
_ROW_BITS = 33  # monotonically_increasing_id: the row within its partition

PARSED_SCHEMA = ("row long, error string, ref string, key string, loss_fen long, victims int, town string, "
                 "day int")


def java_executable() -> str:
    home = os.environ.get("JAVA_HOME")
    found = Path(home, "bin", "java") if home else None
    if found and found.exists():
        return str(found)
    java = shutil.which("java")
    if java is None:
        raise DomainError(MSG_NO_JAVA, code="no_java")
    return java


def spark_session(master: str = DEFAULT_MASTER, *, app_name: str = "pingan-fraud-link") -> SparkSession:
    """A Spark session on ``master``: ``local[*]`` (every core of this machine) or a cluster
    URL. Fails with a clear message without PySpark or Java."""
    java_executable()
    # Spark starts its Python workers as $PYSPARK_PYTHON, else whatever "python3" is on the
    # PATH: not this virtual environment unless it happens to be activated.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DomainError(MSG_NO_PYSPARK, code="no_pyspark") from None
    builder = (SparkSession.builder.master(master).appName(app_name)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.pyspark.python", sys.executable)
               .config("spark.sql.session.timeZone", "UTC"))
    if master.startswith("local"):
        builder = (builder.config("spark.driver.memory", LOCAL_DRIVER_MEMORY)
                   .config("spark.sql.shuffle.partitions",
                           str(LOCAL_SHUFFLE_PARTITIONS_PER_CORE * (os.cpu_count() or 1))))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextlib.contextmanager
def spark_for(master: str = DEFAULT_MASTER) -> Iterator[SparkSession]:
    """The running Spark session, or one on ``master`` for the duration (stopped after)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DomainError(MSG_NO_PYSPARK, code="no_pyspark") from None
    running = SparkSession.getActiveSession()
    session = running or spark_session(master)
    try:
        yield session
    finally:
        if running is None:
            session.stop()


@dataclass
class SparkLinking:
    """What the Spark engine found: like a linked ``RingIndex`` to ``casefile``'s writers."""

    report: ReadReport
    case_count: int
    identifier_count: int
    ranked: RankedRings
    members: pa.Table  # case_ref, ring_id in the order the cases were first recorded
    left: list[LeftOut] = field(default_factory=list)

    def rings(self) -> RankedRings:
        return self.ranked

    def left_out(self) -> list[LeftOut]:
        return self.left

    def member_columns(self) -> Iterator[tuple[pa.Array, pa.Array]]:
        for batch in self.members.to_batches(max_chunksize=1 << 16):
            yield batch.column(0), batch.column(1)


def link_file(spark: SparkSession, path: Path, *, stoplist: Iterable[str], max_degree: int,
              major_loss_yuan: int, major_victims: int) -> SparkLinking:
    """Link the case file at ``path`` (a path every executor can read) on ``spark``."""
    from pyspark.sql import functions as F  # noqa: N812 (PySpark's own convention)

    with path.open("rb") as raw:
        header, _lines = read_header(raw)
    columns = header_columns(header)
    quoted = _scan(path)
    schema = ", ".join(f"c{position} string" for position in range(len(header)))
    # A value may hold a line break only inside quotes. Spark then reads the file as one
    # partition (and the parsing is spread after); a file without a quote is split as read.
    rows = (spark.read.csv(str(path), schema=schema, header=True, multiLine=quoted, encoding="UTF-8",
                           quote='"', escape='"', mode="PERMISSIVE", ignoreLeadingWhiteSpace=False,
                           ignoreTrailingWhiteSpace=False)
            .withColumn("row", F.monotonically_increasing_id()))  # in file order: partition, then row
    if quoted:
        rows = rows.repartition(spark.sparkContext.defaultParallelism)
    parse = _partition_parser(columns, len(header), translation.get_language() or "en")
    parsed = rows.mapInArrow(parse, PARSED_SCHEMA).localCheckpoint()

    errors = parsed.filter(F.col("error").isNotNull()).select("row", "error").orderBy("row").collect()
    lines = record_lines(path, _record_numbers(rows, [error.row for error in errors]))
    report = ReadReport(rows=parsed.count(), errors=[RowError(line, error.error)
                                                     for line, error in zip(lines, errors, strict=True)])
    good = parsed.filter(F.col("error").isNull())

    def first_given(column: str, unknown: Any) -> Any:
        # The struct sorts by row first: the minimum is the first row that gives the fact.
        given = F.col(column).isNotNull() if unknown is None else F.col(column) != unknown
        earliest = F.min(F.when(given, F.struct(F.col("row"), F.col(column).alias("value"))))
        return F.coalesce(earliest["value"], F.lit(unknown)).alias(column)

    cases = (good.groupBy("ref")
             .agg(F.min("row").alias("case"), first_given("loss_fen", _UNKNOWN),
                  first_given("victims", _UNKNOWN), first_given("town", None), first_given("day", _NO_DAY))
             .cache())
    edges = (good.filter(F.col("key").isNotNull()).select("ref", "key").distinct()
             .join(cases.select("ref", "case"), "ref").select("case", "key").cache())
    degree = edges.groupBy("key").agg(F.count("*").alias("cases"), F.min("case").alias("hub")).cache()
    stopped = sorted(stoplist)
    out = (F.col("cases") > max_degree) | F.col("key").isin(stopped)
    left = sorted((LeftOut(row.key, row.cases, LEFT_OUT_STOPLIST if row.key in stopped else LEFT_OUT_DEGREE)
                   for row in degree.filter(out).select("key", "cases").collect()),
                  key=lambda item: (-item.cases, item.identifier))
    kept = edges.join(degree.filter(~out).select("key", "hub"), "key")
    labels = _components(kept.filter(F.col("case") != F.col("hub")).select(F.col("case").alias("a"),
                                                                            F.col("hub").alias("b")))
    labelled = (cases.join(labels, cases.case == labels.node, "left")
                .select(*cases.columns, F.coalesce("label", "case").alias("label")).cache())
    linking = (kept.join(labelled.select("case", "label"), "case").groupBy("label")
               .agg(F.countDistinct("key").alias("identifiers")))
    victims = F.when(F.col("victims") == _UNKNOWN, DEFAULT_VICTIMS).otherwise(F.col("victims"))
    loss = F.when(F.col("loss_fen") == _UNKNOWN, 0).otherwise(F.col("loss_fen"))
    first_day = F.coalesce(F.min(F.when(F.col("day") != _NO_DAY, F.col("day"))), F.lit(_NO_DAY))
    rings = (labelled.groupBy("label")
             .agg(F.min("ref").alias("ring_id"), F.count("*").alias("cases"), F.sum(victims).alias("victims"),
                  F.sum(loss).alias("loss_fen"), F.countDistinct("town").alias("towns"),
                  first_day.alias("first_day"), F.max("day").alias("last_day"))
             .join(linking, "label", "left")
             .select("label", "ring_id", "cases", "victims", "loss_fen", "towns", "first_day", "last_day",
                     F.coalesce("identifiers", F.lit(0)).alias("identifiers"))
             .cache())
    ranked = rings.orderBy(F.desc("loss_fen"), F.desc("victims"), F.desc("towns"), F.asc("ring_id")).toArrow()
    members = (labelled.join(rings.select("label", "ring_id"), "label").orderBy("case")
               .select(F.col("ref").alias("case_ref"), "ring_id").toArrow())

    def numbers(name: str) -> np.ndarray:
        return ranked.column(name).to_numpy().astype(np.int64)

    return SparkLinking(
        report=report, case_count=len(members), identifier_count=degree.count(), members=members, left=left,
        ranked=RankedRings.from_columns(
            ring_ids=ranked.column("ring_id").combine_chunks(), cases=numbers("cases"),
            victims=numbers("victims"), loss_fen=numbers("loss_fen"), towns=numbers("towns"),
            first_day=numbers("first_day"), last_day=numbers("last_day"), identifiers=numbers("identifiers"),
            major_loss_yuan=major_loss_yuan, major_victims=major_victims),
    )


def _scan(path: Path) -> bool:
    """Whether the file holds a quote. Also refuses a file that is not UTF-8, as the
    in-process reader does, where Spark would read U+FFFD (a pass over the file on the
    driver, a second or two a gigabyte)."""
    line, quoted = 1, False
    with path.open("r", encoding="utf-8-sig", newline="") as text:
        try:
            while chunk := text.read(_DECODE_CHUNK):
                line += chunk.count("\n")
                quoted = quoted or '"' in chunk
        except UnicodeDecodeError:
            raise CaseFileError(MSG_NOT_UTF8.format(line=line)) from None
    return quoted


def _record_numbers(rows: DataFrame, ids: list[int]) -> list[int]:
    """Row ids (monotonically_increasing_id: the partition in the upper 31 bits, the row
    within it below) as record numbers, counting the rows of the partitions before."""
    from pyspark.sql import functions as F  # noqa: N812

    if not ids:
        return []
    sizes = dict(rows.groupBy(F.shiftright("row", _ROW_BITS).alias("part")).count().collect())
    before = np.cumsum([0, *(sizes.get(part, 0) for part in range(max(sizes) + 1))])
    return [int(before[row >> _ROW_BITS]) + (row & ((1 << _ROW_BITS) - 1)) for row in ids]


def _partition_parser(columns: dict[str, int], width: int,
                      language: str) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def parse(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        _django_ready()
        translation.activate(language)  # error messages as the driver's reader writes them
        parser = RowParser(columns)
        for batch in batches:
            cells = [pc.fill_null(batch.column(f"c{position}"), "") for position in range(width)]
            counted = filled_rows(cells)
            rows = parser.parse(Batch(cells, 0, None, counted))
            keep = pa.array(counted)
            failed = rows.failures.failed
            messages = [rows.failures.messages[position] for position in np.flatnonzero(failed).tolist()]
            error = pc.replace_with_mask(pa.nulls(len(counted), pa.string()), pa.array(failed),
                                         pa.array(messages, pa.string()))
            yield pa.RecordBatch.from_arrays([
                batch.column("row"), error, rows.refs.take(rows.ref_of_row),
                rows.keys.take(_masked(rows.key_of_row)), pa.array(rows.loss_fen, pa.int64()),
                pa.array(rows.victims, pa.int32()),
                rows.towns.cast(pa.string()).take(_masked(rows.town_of_row)),
                pa.array(rows.day, pa.int32()),
            ], names=["row", "error", "ref", "key", "loss_fen", "victims", "town", "day"]).filter(keep)

    return parse


def _masked(positions: np.ndarray) -> pa.Array:
    return pa.array(positions, pa.int64(), mask=positions < 0)


def _django_ready() -> None:
    """Executors are Python processes of their own: Pingan's messages need its settings."""
    from django.conf import settings

    if not settings.configured:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingan.settings")
        django.setup()


def _components(edges: DataFrame) -> DataFrame:
    """Connected components of an undirected graph given as edges (a, b) of node numbers:
    (node, label) for every node on an edge, its label the smallest node of its component.

    Large-star joins each node's larger neighbours to its smallest neighbour (or itself);
    small-star joins each node and its smaller neighbours to the smallest of them. Both keep
    the components; alternated they reach stars around each component's smallest node, at
    which point a round changes nothing."""
    from pyspark.sql import functions as F  # noqa: N812

    graph = (edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).distinct()
             .localCheckpoint())
    while True:
        both = graph.union(graph.select(F.col("v").alias("u"), F.col("u").alias("v")))
        smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
        large = (both.join(smallest, "u").filter(F.col("v") > F.col("u"))
                 .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())
        lowest = large.groupBy("u").agg(F.min("v").alias("m"))
        small = (large.join(lowest, "u").select(F.col("v").alias("a"), F.col("m").alias("b"))
                 .union(lowest.select(F.col("u").alias("a"), F.col("m").alias("b")))
                 .filter(F.col("a") != F.col("b"))
                 .select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).distinct()
                 .localCheckpoint())
        before, after = graph.withColumn("before", F.lit(True)), small.withColumn("after", F.lit(True))
        changed = before.join(after, ["u", "v"], "full_outer").filter(F.col("before").isNull()
                                                                      | F.col("after").isNull())
        graph = small
        if changed.isEmpty():
            break
    return graph.groupBy("u").agg(F.min("v").alias("label")).select(F.col("u").alias("node"), "label")
