"""The round and result files: loading with clear problems, dumping, and JSON Schemas."""

from exchange.formats.files import (
    FileProblems,
    Problem,
    describe,
    dump,
    load_result,
    load_round,
    result_schema,
    round_schema,
)

__all__ = [
    "FileProblems",
    "Problem",
    "describe",
    "dump",
    "load_result",
    "load_round",
    "result_schema",
    "round_schema",
]
