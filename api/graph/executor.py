"""The planned executor: graphql-core's executor, completing plain-data fields directly.

graphql-core resolves every field alike: a path, a resolve info, the resolver through
Strawberry's wrapper, an awaitable check, then completion by type, about twenty calls for a
string read off an object. A 100-referral page has some four thousand fields, three quarters
of them plain data. Here each selection gets its plan once (api.graph.plan) and its
plain-data fields are read and coerced directly; every other field, and any value the plan
cannot complete without an error, goes through graphql-core's own `execute_field`, so
resolvers, loaders, errors and their paths are graphql-core's.

A selection whose every field is planned, all the way down, is first tried whole
(`_whole`): one pass over its rows with no path, no awaitable and no call per field, giving
up before anything is reported at the first value it cannot complete without an error; the
selection then goes field by field as above, where that value takes graphql-core's path.

Where an extension wraps every resolver (tracing's resolver spans), nothing is planned: its
spans would change. Subscriptions and mutations' serial root fields stay graphql-core's.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias

from graphql import GraphQLObjectType, Undefined
from graphql.execution.collect_fields import FieldDetails, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graph.edges import PARTICIPANT_FIELDS, REFERRAL_FIELDS
from api.graph.loaders import Loaders
from api.graph.peek import PeekOnly
from api.graph.plan import Kind, Plan, Plans, Step
from db.access import Viewer

_FALLBACK = object()  # the plan cannot complete this value: graphql-core's execute_field does
_MAY_AWAIT = frozenset({Kind.OBJECT, Kind.OBJECT_LIST, Kind.LOADED, Kind.LOADED_LIST})
_OBJECTS = _MAY_AWAIT
_LEAF, _LEAF_LIST, _TYPENAME = Kind.LEAF, Kind.LEAF_LIST, Kind.TYPENAME
_OBJECT, _OBJECT_LIST = Kind.OBJECT, Kind.OBJECT_LIST
_LOADED, _LOADED_LIST = Kind.LOADED, Kind.LOADED_LIST

# Leaf values of these types are never exceptions nor awaitable: coerced without asking.
_PLAIN = frozenset({bool, int, float, Decimal, date, datetime, time, uuid.UUID})

# A selection completed whole: per response key, in response order, (response name, kind,
# getter, attribute (for __typename: the type's name), non-null, the type taken as is, the
# step, the whole selection of its objects).
Entry: TypeAlias = tuple[str, Kind, Any, str, bool, "type | None", Step, "Whole | None"]
Whole: TypeAlias = tuple[Entry, ...]


class _Partial(Exception):
    """A value `_whole` cannot complete without an error: the selection goes field by field."""


_PARTIAL = _Partial()


@dataclass(frozen=True, slots=True)
class _PlannedContext:
    """All a loader-backed resolver reads of its context (api.graph.edges' fields)."""

    viewer: Viewer
    loaders: PeekOnly


@dataclass(frozen=True, slots=True)
class _PlannedInfo:
    """All a loader-backed resolver reads of its info: the context."""

    context: _PlannedContext


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with planned plain-data fields; `plans` is the schema's
    (a subclass per schema, `planned_executor`)."""

    plans: ClassVar[Plans]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A middleware (an extension's `resolve`) must see every field: no plan then.
        self._planning = manager is None or not manager.middlewares
        self._selection_plans: dict[int, tuple[GroupedFieldSet, Plan]] = {}
        self._wholes: dict[int, Whole | None] = {}  # by the id of a field set kept above
        self._peek_info: _PlannedInfo | None = None

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Plan | None:
        if not self._planning:
            return None
        known = self._selection_plans.get(id(fields))
        if known is not None:
            return known[1]
        plan = self.plans.plan(parent_type, fields)
        # Kept with its field set, so that the id stays this set's while the operation runs.
        self._selection_plans[id(fields)] = (fields, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None or not plan.planned:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        whole = self._whole_selection(parent_type, grouped_field_set, plan)
        if whole is not None:
            try:
                return self._whole(whole, source_value, self._planned_info())
            except Exception:  # a value to report (or not loaded yet): field by field
                pass
        # graphql-core's execute_fields, with planned steps completed in place.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for step, (response_name, details) in zip(
                plan.steps, grouped_field_set.items(), strict=True
            ):
                kind = step.kind
                if kind is _TYPENAME:
                    results[response_name] = parent_type.name
                    continue
                if kind is not Kind.STANDARD:
                    complete = (
                        self._complete_loaded
                        if kind is Kind.LOADED or kind is Kind.LOADED_LIST
                        else self._complete_planned
                    )
                    value = complete(step, parent_type, source_value, path, response_name, details)
                    if value is not _FALLBACK:
                        results[response_name] = value
                        # Leaves never await (an identity test: Enum's __hash__ is Python).
                        if kind is not _LEAF and kind is not _LEAF_LIST and is_awaitable(value):
                            awaitable_fields.append(response_name)
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    details,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _gather_fields(results, awaitable_fields)

    def _complete_planned(
        self,
        step: Step,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        response_name: str,
        details: list[FieldDetails],
    ) -> Any:
        """The completed value of a planned field, or _FALLBACK for graphql-core to give."""
        try:
            value = step.get(source, step.attribute)  # type: ignore[misc]
        except Exception:
            return _FALLBACK
        if value is None:
            return _FALLBACK if step.non_null else None
        if type(value) is step.as_is:
            return value
        if step.kind is Kind.LEAF:
            return _leaf(step, value, self.is_awaitable)
        if isinstance(value, Exception) or self.is_awaitable(value):
            return _FALLBACK
        if step.kind is Kind.LEAF_LIST:
            return _leaf_list(step, value, self.is_awaitable)
        return self._objects(step, value, Path(path, response_name, parent_type.name), details)

    def _complete_loaded(
        self,
        step: Step,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        response_name: str,
        details: list[FieldDetails],
    ) -> Any:
        """A loader-backed field answered from what its loader holds, or _FALLBACK."""
        info = self._planned_info()
        if info is None:
            return _FALLBACK
        try:
            value = step.resolver(source, info=info)  # type: ignore[misc]
        except Exception:  # not loaded yet, or a fault the resolver reports again
            return _FALLBACK
        if self.is_awaitable(value) or isinstance(value, Exception):
            close = getattr(value, "close", None)
            if close is not None:
                close()  # a coroutine never to be awaited
            return _FALLBACK
        if value is None:
            return _FALLBACK if step.non_null else None
        return self._objects(step, value, Path(path, response_name, parent_type.name), details)

    def _objects(
        self, step: Step, value: Any, field_path: Path, details: list[FieldDetails]
    ) -> Any:
        """An object or a list of objects (not null), checked as graphql-core would before
        it runs their selections: anything it would refuse goes back to it."""
        if step.kind is Kind.OBJECT or step.kind is Kind.LOADED:
            is_type_of = step.is_type_of
            if is_type_of is not None and is_type_of(value, None) is not True:
                return _FALLBACK
            return self._object(step, value, field_path, details)
        if type(value) is not list:
            return _FALLBACK
        # Every item checked before any runs: there is no way back once one has.
        if not all(_completable(step, item, self.is_awaitable) for item in value):
            return _FALLBACK
        return self._object_list(step, value, field_path, details)

    def _object_list(
        self, step: Step, items: list[Any], path: Path, details: list[FieldDetails]
    ) -> Any:
        """graphql-core's complete_list_value for a list of objects that passed their checks:
        each item's selection, an item's error nulling the item (or the list, if non-null)."""
        object_type, field_type, item_type = step.object_type, step.field_type, step.item_type
        assert object_type is not None
        assert field_type is not None
        assert item_type is not None
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        whole = self._whole_of(object_type, details)
        info = self._planned_info()
        try:
            for index, item in enumerate(items):
                if item is None:
                    completed.append(None)
                    continue
                if whole is not None:
                    try:
                        completed.append(self._whole(whole, item, info))
                        continue
                    except Exception:  # a value to report: this item field by field
                        pass
                item_path = path.add_key(index, None)
                try:
                    value = self.collect_and_execute_subfields(
                        object_type, details, item_path, item, None
                    )
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, details, item_path)
                    value = None
                if value is not None and self.is_awaitable(value):
                    value = self._await_object(value, item_type, details, item_path)
                    awaitable_indices.append(index)
                completed.append(value)
        except Exception as raw_error:
            if awaitable_indices:
                self.settle_in_background([completed[i] for i in awaitable_indices])
            self.handle_field_error(raw_error, field_type, details, path)
            return None
        if not awaitable_indices:
            return completed
        return self._gather_items(completed, awaitable_indices, field_type, details, path)

    async def _gather_items(
        self,
        completed: list[Any],
        indices: list[int],
        field_type: Any,
        details: list[FieldDetails],
        path: Path,
    ) -> Any:
        try:
            awaited = await gather_with_cancel(*(completed[i] for i in indices))
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, details, path)
            return None
        for index, value in zip(indices, awaited, strict=True):
            completed[index] = value
        return completed

    def _whole_of(
        self, object_type: GraphQLObjectType, details: list[FieldDetails]
    ) -> Whole | None:
        """The whole selection of the objects of a field (`details`), if it has one."""
        if not self._planning:
            return None
        collected = self.collect_subfields(object_type, details)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return None
        fields = collected.grouped_field_set
        plan = self._plan(object_type, fields)
        return None if plan is None else self._whole_selection(object_type, fields, plan)

    def _whole_selection(
        self, parent_type: GraphQLObjectType, fields: GroupedFieldSet, plan: Plan
    ) -> Whole | None:
        """The selection as completed whole, or None if some field in it, at any depth,
        needs graphql-core (a resolver, arguments, an abstract type...)."""
        key = id(fields)  # `_plan` keeps `fields` alive while the operation runs
        if key in self._wholes:
            return self._wholes[key]
        self._wholes[key] = None  # while it is built: a selection cannot contain itself
        entries: list[Entry] = []
        for step, (name, details) in zip(plan.steps, fields.items(), strict=True):
            kind = step.kind
            if kind is Kind.STANDARD:
                return None
            below = None
            if kind in _OBJECTS:
                assert step.object_type is not None
                below = self._whole_of(step.object_type, details)
                if below is None:
                    return None
            attribute = parent_type.name if kind is _TYPENAME else step.attribute
            entries.append(
                (name, kind, step.get, attribute, step.non_null, step.as_is, step, below)
            )
        whole = self._wholes[key] = tuple(entries)
        return whole

    def _whole(self, whole: Whole, source: Any, info: Any) -> dict[str, Any]:
        """The selection's result for `source`, every field completed as graphql-core would;
        _Partial (or the value's own exception) at the first value it would report instead.
        Nothing is reported, queued or awaited on the way: giving up leaves no trace."""
        is_awaitable = self.is_awaitable
        result: dict[str, Any] = {}
        for name, kind, get, attribute, non_null, as_is, step, below in whole:
            if kind is _LEAF:
                value = get(source, attribute)
                if type(value) is as_is:
                    result[name] = value
                    continue
                if value is None:
                    if non_null:
                        raise _PARTIAL
                    result[name] = None
                    continue
                value = _leaf(step, value, is_awaitable)
                if value is _FALLBACK:
                    raise _PARTIAL
                result[name] = value
                continue
            if kind is _TYPENAME:
                result[name] = attribute
                continue
            if kind is _LOADED or kind is _LOADED_LIST:
                if info is None:
                    raise _PARTIAL
                value = step.resolver(source, info=info)  # type: ignore[misc]
            else:
                value = get(source, attribute)
            if value is None:
                if non_null:
                    raise _PARTIAL
                result[name] = None
                continue
            is_type_of = step.is_type_of
            if is_type_of is not None and (kind is _OBJECT or kind is _OBJECT_LIST):
                pass  # an attribute: the type's check below refuses what is not the type
            elif isinstance(value, Exception) or is_awaitable(value):
                close = getattr(value, "close", None)
                if close is not None:
                    close()  # a coroutine never to be awaited
                raise _PARTIAL
            if kind is _LEAF_LIST:
                value = _leaf_list(step, value, is_awaitable)
                if value is _FALLBACK:
                    raise _PARTIAL
                result[name] = value
                continue
            assert below is not None
            if kind is _OBJECT or kind is _LOADED:
                if is_type_of is not None and is_type_of(value, None) is not True:
                    raise _PARTIAL
                result[name] = self._whole(below, value, info)
                continue
            if type(value) is not list:
                raise _PARTIAL
            items: list[Any] = []
            for item in value:
                if not _completable(step, item, is_awaitable):
                    raise _PARTIAL
                items.append(None if item is None else self._whole(below, item, info))
            result[name] = items
        return result

    def _planned_info(self) -> Any:
        """What the planned resolvers get as `info`: the context's viewer and loaders that
        answer only what they hold (cached while the context keeps its loaders)."""
        context = self.context_value
        loaders = getattr(context, "loaders", None)
        if not isinstance(loaders, Loaders):
            return None
        if self._peek_info is None or self._peek_info.context.loaders.of is not loaders:
            self._peek_info = _PlannedInfo(_PlannedContext(context.viewer, PeekOnly(loaders)))
        return self._peek_info

    def _object(
        self,
        step: Step,
        value: Any,
        field_path: Path,
        details: list[FieldDetails],
    ) -> Any:
        """An object-typed plain-data field: its selection, as `execute_field` would run it
        once its resolver returned `value` (a type without `is_type_of`)."""
        object_type, field_type = step.object_type, step.field_type
        assert object_type is not None
        assert field_type is not None
        try:
            completed = self.collect_and_execute_subfields(
                object_type, details, field_path, value, None
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, details, field_path)
            return None
        if self.is_awaitable(completed):
            return self._await_object(completed, field_type, details, field_path)
        return completed

    async def _await_object(
        self, completed: Awaitable[Any], field_type: Any, details: list[FieldDetails], path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, details, path)
            return None


def _completable(step: Step, item: Any, is_awaitable: Callable[[Any], bool]) -> bool:
    """Whether a loaded list's item completes without an error of its own."""
    if item is None:
        return not step.item_non_null
    if step.is_type_of is not None:  # Strawberry's: refuses exceptions and awaitables too
        return step.is_type_of(item, None) is True
    return not isinstance(item, Exception) and not is_awaitable(item)


def _leaf(step: Step, value: Any, is_awaitable: Callable[[Any], bool]) -> Any:
    """A leaf's output (not null), or _FALLBACK where graphql-core would report an error."""
    if type(value) not in _PLAIN and (isinstance(value, Exception) or is_awaitable(value)):
        return _FALLBACK
    try:
        coerced = step.coerce(value)  # type: ignore[misc]
    except Exception:
        return _FALLBACK
    if coerced is None or coerced is Undefined:
        return _FALLBACK
    return coerced


def _leaf_list(step: Step, value: Any, is_awaitable: Callable[[Any], bool]) -> Any:
    if type(value) is not list:  # other iterables, e.g. async ones: graphql-core's
        return _FALLBACK
    coerce, as_is = step.coerce, step.as_is
    assert coerce is not None
    completed: list[Any] = []
    for item in value:
        if type(item) is as_is:  # a str in a list of String or ID: its own output
            completed.append(item)
            continue
        if item is None:
            if step.item_non_null:
                return _FALLBACK
            completed.append(None)
            continue
        if isinstance(item, Exception) or is_awaitable(item):
            return _FALLBACK
        try:
            coerced = coerce(item)
        except Exception:
            return _FALLBACK
        if coerced is None or coerced is Undefined:
            return _FALLBACK
        completed.append(coerced)
    return completed


async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    """graphql-core's execute_fields' tail: await the fields that are awaitable."""
    if len(awaitable_fields) == 1:
        field = awaitable_fields[0]
        results[field] = await results[field]
    else:
        awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results


def planned_executor() -> type[PlannedExecutor]:
    """An executor class with plans of its own: one per schema."""
    loaded = {"Referral": tuple(REFERRAL_FIELDS), "Participant": tuple(PARTICIPANT_FIELDS)}
    return type("SchemaPlannedExecutor", (PlannedExecutor,), {"plans": Plans(loaded)})
