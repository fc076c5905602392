"""Model instances from hand-written SQL, for the few lookups every request makes.

Django compiles a queryset again each time it runs, which costs more than PostgreSQL takes
to run a prepared lookup by key. The hottest lookups are therefore written once in SQL; these
helpers list a model's columns and turn a row back into instances, converted exactly as the
ORM would (SQLite dates, JSON, booleans).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


@functools.cache
def fields(model: type[Model]) -> list[Any]:
    return list(model._meta.concrete_fields)


def select_list(model: type[Model], alias: str) -> str:
    """The model's columns, in the order `instances` reads them."""
    return ", ".join(f'{alias}."{field.column}"' for field in fields(model))


@functools.cache
def _layout(model: type[Model]) -> tuple[list[tuple[Any, list[Any]]], list[str], int]:
    """Worked out once per model: each column with what the ORM would apply to its raw
    value, the attribute names from_db expects, and where the primary key sits."""
    converters = []
    for field in fields(model):
        column = field.get_col(model._meta.db_table)
        backend = connection.ops.get_db_converters(column)
        converters.append((column, backend + column.get_db_converters(connection)))
    names = [field.attname for field in fields(model)]
    return converters, names, names.index(model._meta.pk.attname)


def _instance(model: type[Model], values: Sequence[Any]) -> Any:
    columns, names, _ = _layout(model)
    converted = []
    for value, (column, converters) in zip(values, columns, strict=True):
        for convert in converters:
            value = convert(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


def fetch_one(statement: str, params: Any) -> Any:
    """The statement's first row, or None."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def instances(row: Sequence[Any], *models: type[Model]) -> tuple[list[Any], list[Any]]:
    """Splits a row selected with select_list(model) for each model, in that order: one
    instance per model (None where its primary key is NULL, as after a LEFT JOIN), then
    the values that follow."""
    result = []
    start = 0
    for model in models:
        end = start + len(fields(model))
        values = row[start:end]
        missing = values[_layout(model)[2]] is None
        result.append(None if missing else _instance(model, values))
        start = end
    return result, list(row[start:])
