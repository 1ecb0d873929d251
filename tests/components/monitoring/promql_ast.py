"""Walk a PromQL expression parsed by the real parser (promql-parser, Rust-backed) for its metric names."""

from __future__ import annotations

import promql_parser


def metric_names(expr: str) -> set[str]:
    """Every metric name a vector or matrix selector in `expr` reads; raises if `expr` does not parse."""
    names: set[str] = set()
    _walk(promql_parser.parse(expr), names)
    return names


def _walk(node, names: set[str]) -> None:
    kind = type(node).__name__
    if kind == "VectorSelector":
        if not node.name:
            raise ValueError(f"selector without a metric name: {node}")
        names.add(node.name)
    elif kind == "MatrixSelector":
        _walk(node.vector_selector, names)
    elif kind == "BinaryExpr":
        _walk(node.lhs, names)
        _walk(node.rhs, names)
    elif kind in ("AggregateExpr", "ParenExpr", "UnaryExpr", "SubqueryExpr"):
        _walk(node.expr, names)
        if kind == "AggregateExpr" and node.param is not None:
            _walk(node.param, names)
    elif kind == "Call":
        for arg in node.args:
            _walk(arg, names)
    elif kind not in ("NumberLiteral", "StringLiteral"):
        raise TypeError(f"unhandled PromQL node {kind}: {node}")
