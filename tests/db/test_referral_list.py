"""Each ordering of the referrals list is one its index serves, on each engine."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import Database
from db.paging import PageRequest, order_terms
from db.referral_list import OrderField, ReferralOrder, sort_expressions
from db.tables import additional_information, referral

INDEXES: dict[OrderField, set[str]] = {
    "created_date": {"ix_referral_created"},
    "updated_date": {"ix_referral_updated"},
    "name": {"ix_referral_name"},
    "deal_value": {
        "ix_additional_information_deal_value",
        "ix_additional_information_deal_value_desc",
    },
    "closing_date": {
        "ix_additional_information_closing_date",
        "ix_additional_information_closing_date_desc",
    },
}


@pytest.mark.parametrize("from_end", [False, True], ids=["first", "last"])
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("field", list(INDEXES))
async def test_each_ordering_reads_its_index_without_sorting(
    database: Database, field: OrderField, descending: bool, from_end: bool
) -> None:
    order = ReferralOrder(field=field, descending=descending)
    sort, id_ = sort_expressions(order)
    table = additional_information if order.nullable else referral
    request = PageRequest(limit=20, from_end=from_end)
    terms = order_terms(sort, id_, descending=descending, request=request, nullable=order.nullable)
    stmt = select(id_).select_from(table).order_by(*terms).limit(21)

    async with database.engine.connect() as conn:
        sql = str(stmt.compile(conn.sync_connection, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            plan = " ".join(str(row[-1]) for row in rows)
            assert "TEMP B-TREE" not in plan, plan
        else:
            # An empty table is cheaper to sort: ask whether an index can serve the order.
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            await conn.exec_driver_sql("SET LOCAL enable_sort = off")
            rows = await conn.exec_driver_sql(f"EXPLAIN {sql}")
            plan = " ".join(str(row[0]) for row in rows)
            assert "Sort" not in plan, plan
    assert any(name in plan for name in INDEXES[field]), plan
