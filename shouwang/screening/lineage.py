"""What each rule really reads, found by parsing its SQL: the rule catalogue checks itself.

A rule declares the input tables it reads (``Rule.reads``) and the parameters it uses (``Rule.params``);
``rule_declaration_errors`` parses the rule's SQL (and the derived views it reads) with sqlglot, in the
catalogue's dialect, and lists every difference between the declaration and the SQL. The test suite runs it
on the whole catalogue (``tests/test_lineage.py``), so a rule cannot read a table or a parameter it does not
declare, nor declare one it does not read.

What counts as read:

* **Tables** are the *input* tables (``rules.input_tables()`` apart from ``params``: the snapshot tables and
  the ``feed_<kind>`` tables), reached through the derived views: a rule that reads ``household_facts``
  reads ``households``, ``persons`` and ``incomes``. CTE names are local to a query and never count.
* **Parameters** are the columns of the ``params`` table whose values reach the rule's output: referenced
  directly (``pr.near_line_ratio``), or through a derived view's column computed from one
  (``household_facts.threshold``), or through a derived view whose rows depend on one. A parameter counts
  when it decides the rule's rows or one of its evidence columns; a column a CTE selects and nothing uses
  does not count. ``params.village_code`` is the join key, not a parameter.
* An assembly step that applies a parameter to a rule's output (``rules.ASSEMBLY_PARAMS``) counts as a use
  by the rules of that kind, provided the base query carries that parameter.
"""

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, ScopeType, traverse_scope

from shouwang.screening.choices import ParameterKeyChoices
from shouwang.screening.periods import PeriodContext, sql_render
from shouwang.screening.rules import (
    ASSEMBLY_PARAMS,
    BASE_SQL,
    RULES,
    SQL_DIALECT,
    Columns,
    Rule,
    derived_views,
    input_tables,
)

PARAMS = "params"
PARAM_KEYS = frozenset(str(k) for k in ParameterKeyChoices)
# Any month: the ``$name`` tokens only become literals, which read nothing.
_CONTEXT = PeriodContext("2025-03")


@dataclass(frozen=True)
class Reads:
    """What one query reads: input tables (``params`` apart) and parameters, split by where they act."""

    tables: frozenset[str]
    # Parameters that decide which rows the query returns.
    row_params: frozenset[str]
    # Parameters carried by each output column.
    column_params: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def params(self) -> frozenset[str]:
        return self.row_params.union(*self.column_params.values())


# Table name → {column name: type}; the types play no part in the lineage.
Schema = dict[str, object]


def sql_parse(sql: str, schema: Schema) -> exp.Query:
    """``sql`` with its period tokens rendered, parsed in the catalogue's dialect, every column qualified
    with its table (an unknown table or column raises ``sqlglot.errors.OptimizeError``)."""
    tree = sqlglot.parse_one(sql_render(sql, _CONTEXT), read=SQL_DIALECT)
    if not isinstance(tree, exp.Query):
        raise SqlglotError(f"not a query: {sql[:60]!r}")
    return qualify(tree, schema=schema, dialect=SQL_DIALECT, quote_identifiers=False)


def _schema(tables: dict[str, Columns]) -> Schema:
    return {name: dict.fromkeys((c for c, _ in cols), "UNKNOWN") for name, cols in tables.items()}


def _named_selects(scope: Scope) -> list[str]:
    query = scope.expression
    assert isinstance(query, exp.Query), query
    return query.named_selects


def _source(scope: Scope, alias: str) -> exp.Table | Scope | None:
    """What ``alias`` names in ``scope``: a table, or a CTE / derived table (looked up outwards, for the
    correlated columns of a subquery)."""
    current: Scope | None = scope
    while current is not None:
        if alias in current.sources:
            return current.sources[alias]
        current = current.parent
    return None


def _projection_index(node: exp.Expr, select: exp.Expr) -> int | None:
    """The position of the projection of ``select`` that holds ``node``, if any."""
    child = node
    while child.parent is not None and child.parent is not select:
        child = child.parent
    if child.parent is select and child.arg_key == "expressions":
        return child.index
    return None


def _branches(scope: Scope) -> list[Scope]:
    """The selects of a set operation (a plain select is its own only branch)."""
    if isinstance(scope.expression, exp.SetOperation):
        return [b for u in scope.set_operation_scopes for b in _branches(u)]
    return [scope]


def _select_of(scope: Scope) -> Scope:
    """The scope whose projections a branch of a set operation supplies."""
    while scope.scope_type == ScopeType.SET_OPERATION and scope.parent is not None:
        scope = scope.parent
    return scope


class _Lineage:
    """Column lineage of one qualified query, down to the tables it names."""

    def __init__(self, tree: exp.Query) -> None:
        self.scopes = traverse_scope(tree)
        self.root = self.scopes[-1]
        self.scope_of: dict[int, Scope] = {id(c): s for s in self.scopes for c in s.columns}
        unscoped = [c.sql() for c in tree.find_all(exp.Column) if id(c) not in self.scope_of]
        if unscoped:
            raise ValueError(f"columns outside every scope: {unscoped}")

    def tables(self) -> set[str]:
        return {src.name for s in self.scopes for src in s.sources.values() if isinstance(src, exp.Table)}

    def origins(self, column: exp.Column) -> set[tuple[str, str]]:
        """``(table, column)`` pairs a column reference is computed from, through CTEs and subqueries."""
        src = _source(self.scope_of[id(column)], column.table)
        if isinstance(src, exp.Table):
            return {(src.name, column.name)}
        if isinstance(src, Scope):
            return self._projection_origins(src, column.name)
        raise ValueError(f"column {column.sql()} names no table in scope")

    def _projection_origins(self, scope: Scope, name: str) -> set[tuple[str, str]]:
        branches = _branches(scope)
        # A set operation matches its branches' columns by position, named by its first branch.
        position = _named_selects(branches[0]).index(name)
        out: set[tuple[str, str]] = set()
        for branch in branches:
            for column in branch.expression.expressions[position].find_all(exp.Column):
                out |= self.origins(column)
        return out

    def outputs_and_filters(self) -> tuple[dict[str, set[tuple[str, str]]], set[tuple[str, str]]]:
        """Origins of each output column, and origins of everything else that decides the rows: filters,
        joins, groupings, subqueries. A CTE's or derived table's projections count where they are used."""
        names = _named_selects(self.root)
        outputs: dict[str, set[tuple[str, str]]] = {n: set() for n in names}
        filters: set[tuple[str, str]] = set()
        for scope in self.scopes:
            owner = _select_of(scope)
            for column in scope.columns:
                position = _projection_index(column, scope.expression)
                if position is None or owner.scope_type in (ScopeType.SUBQUERY, ScopeType.UDTF):
                    filters |= self.origins(column)
                elif owner is self.root:
                    outputs[names[position]] |= self.origins(column)
                # else: a CTE's or derived table's projection, followed from where it is used
        return outputs, filters


def _reads(tree: exp.Query, views: dict[str, Reads]) -> Reads:
    a = _Lineage(tree)

    def params_of(origins: set[tuple[str, str]]) -> frozenset[str]:
        out: set[str] = set()
        for table, column in origins:
            if table == PARAMS and column in PARAM_KEYS:
                out.add(column)
            elif table in views:
                out |= views[table].column_params.get(column, frozenset())
        return frozenset(out)

    named = a.tables()
    tables: set[str] = set()
    row_params: set[str] = set()
    for name in named:
        if name in views:
            tables |= views[name].tables
            row_params |= views[name].row_params
        elif name != PARAMS:
            tables.add(name)
    outputs, filters = a.outputs_and_filters()
    return Reads(
        tables=frozenset(tables),
        row_params=frozenset(row_params | params_of(filters)),
        column_params={name: params_of(o) for name, o in outputs.items()},
    )


@dataclass(frozen=True)
class Views:
    """The schema of every input table and derived view, and what each derived view reads."""

    schema: Schema
    reads: dict[str, Reads]


def views_read() -> Views:
    schema = _schema(input_tables())
    reads: dict[str, Reads] = {}
    for name, sql in derived_views():
        tree = sql_parse(sql, schema)
        reads[name] = _reads(tree, reads)
        schema[name] = dict.fromkeys(tree.named_selects, "UNKNOWN")
    return Views(schema, reads)


def rule_reads(rule: Rule, views: Views | None = None) -> Reads:
    views = views or views_read()
    return _reads(sql_parse(rule.sql, views.schema), views.reads)


def rule_declaration_errors(rule: Rule, views: Views | None = None) -> list[str]:
    """Every difference between what ``rule`` declares it reads (``reads``, ``params``) and what its SQL
    reads; a query naming a table or column the catalogue does not have is one error."""
    try:
        found = rule_reads(rule, views)
    except SqlglotError as exc:
        return [f"{rule.code}: SQL does not match the catalogue's tables: {exc}"]
    used_params = set(found.params) | set(ASSEMBLY_PARAMS.get(rule.kind, ()))
    declared_tables, declared_params = set(rule.reads), {str(p) for p in rule.params}
    return [
        *(
            f"{rule.code}: reads table {t}, not declared in reads"
            for t in sorted(found.tables - declared_tables)
        ),
        *(
            f"{rule.code}: declares table {t} in reads, does not read it"
            for t in sorted(declared_tables - found.tables)
        ),
        *(
            f"{rule.code}: uses parameter {k}, not declared in params"
            for k in sorted(used_params - declared_params)
        ),
        *(
            f"{rule.code}: declares parameter {k} in params, does not use it"
            for k in sorted(declared_params - used_params)
        ),
    ]


def catalogue_declaration_errors(rules: tuple[Rule, ...] = RULES) -> list[str]:
    """Declaration errors of every rule, and any parameter the assembly applies that the base query (which
    feeds the assembly) does not carry."""
    views = views_read()
    base = _reads(sql_parse(BASE_SQL, views.schema), views.reads)
    errors = [
        f"base query: does not carry parameter {key}, which the assembly applies to {kind} rules"
        for kind, keys in ASSEMBLY_PARAMS.items()
        for key in keys
        if key not in base.params
    ]
    for rule in rules:
        errors += rule_declaration_errors(rule, views)
    return errors
