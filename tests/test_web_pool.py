"""Pooled PostgreSQL connections: one the server has closed meanwhile (restart, idle timeout) is
replaced before use when it has lain idle; one used moments ago is not tested (no extra round trip)."""

from __future__ import annotations

import pytest

from docgen.web import store as store_module


@pytest.fixture
def pg_store(pg_url):
    from support.web import reset_postgres

    from docgen.web.server import open_store
    from docgen.web.service import Service

    reset_postgres(pg_url)
    store, _ = open_store(url=pg_url)
    report_id = Service(store).new("青山县民政局", "2025", "测试")
    yield store, report_id
    store.close()


def test_an_idle_connection_the_server_closed_is_replaced(pg_store, pg_url, monkeypatch):
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    store, report_id = pg_store
    with store.engine.connect(), store.engine.connect():  # two connections in the pool
        pass
    assert store.get(report_id) is not None and store.engine.pool.checkedin() == 2
    outside = create_engine(store_module.normalize_url(pg_url), poolclass=NullPool)
    with outside.connect() as conn:  # what a restart does: every other session of the database ends
        ended = conn.exec_driver_sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).scalar()
    outside.dispose()
    assert ended >= 2
    monkeypatch.setattr(store_module, "PING_AFTER", 0.0)  # as if the pool had lain idle
    for _ in range(4):
        assert store.get(report_id).id == report_id  # each dead connection is replaced: no error reaches the caller
    with store.writing() as conn:  # writes too
        conn.exec_driver_sql("SELECT 1")


def test_a_connection_used_moments_ago_is_not_tested(pg_store, monkeypatch):
    store, report_id = pg_store
    pings = []
    real = store_module._ping
    monkeypatch.setattr(store_module, "_ping", lambda c: (pings.append(1), real(c)))
    store.get(report_id)
    for _ in range(5):
        store.get(report_id)
    assert pings == []  # back in the pool moments ago: no round trip to test it
    monkeypatch.setattr(store_module, "PING_AFTER", 0.0)
    store.get(report_id)
    assert pings == [1]
