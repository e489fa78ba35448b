"""The replica router: reads of a use_replica() block go to "replica" when it exists.

These tests decide routing only; hoviat/core/tests/test_replica.py proves it against a real
PostgreSQL streaming replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction

from hoviat.core.dbrouter import (
    REPLICA_ALIAS,
    ReplicaRouter,
    read_alias,
    replica_configured,
    use_primary,
    use_replica,
)
from hoviat.places.models import Province

ROUTER = "hoviat.core.dbrouter.ReplicaRouter"


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = [ROUTER]


@pytest.fixture
def replica_alias():
    """A "replica" alias in the connection settings; these tests never open it."""
    connections.settings[REPLICA_ALIAS] = dict(connections.settings["default"])
    yield REPLICA_ALIAS
    del connections.settings[REPLICA_ALIAS]
    with contextlib.suppress(AttributeError):  # no connection object was made
        del connections[REPLICA_ALIAS]


def test_it_reads_from_default_outside_a_replica_block(replica_alias):
    assert read_alias() == "default"


def test_it_reads_from_the_replica_inside_a_replica_block(replica_alias):
    with use_replica():
        assert read_alias() == REPLICA_ALIAS
    assert read_alias() == "default"


def test_it_reads_from_default_when_no_replica_is_configured():
    assert not replica_configured()
    with use_replica():
        assert read_alias() == "default"


def test_it_works_as_a_decorator_and_restores_the_state_after_an_error(replica_alias):
    @use_replica()
    def inquiry():
        return read_alias()

    assert inquiry() == REPLICA_ALIAS
    assert read_alias() == "default"
    with pytest.raises(RuntimeError), use_replica():
        raise RuntimeError("boom")
    assert read_alias() == "default"


def test_use_primary_reads_from_default_inside_a_replica_block(replica_alias):
    with use_replica():
        with use_primary():
            assert read_alias() == "default"
        assert read_alias() == REPLICA_ALIAS


def test_a_replica_block_in_one_thread_does_not_reach_another(replica_alias):
    inside = threading.Event()
    done = threading.Event()
    seen: dict[str, str] = {}

    def reader():
        with use_replica():
            seen["reader"] = read_alias()
            inside.set()
            done.wait(5)

    thread = threading.Thread(target=reader)
    thread.start()
    assert inside.wait(5)
    seen["other"] = read_alias()
    done.set()
    thread.join(5)
    assert seen == {"reader": REPLICA_ALIAS, "other": "default"}


def test_a_replica_block_in_one_asyncio_task_does_not_reach_another(replica_alias):
    async def main():
        started = asyncio.Event()

        async def reader():
            with use_replica():
                started.set()
                await asyncio.sleep(0.01)
                return read_alias()

        task = asyncio.create_task(reader())
        await started.wait()
        other = read_alias()
        return await task, other

    # In a thread of its own: a browser test may leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, main()).result(10) == (REPLICA_ALIAS, "default")


def test_writes_always_go_to_default():
    router = ReplicaRouter()
    with use_replica():
        assert router.db_for_write(Province) == "default"
        assert router.db_for_write(Province, instance=Province()) == "default"


def test_it_migrates_only_the_default_database():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "places") is True
    assert router.allow_migrate(REPLICA_ALIAS, "places") is False


def test_it_allows_relations_between_objects_of_both_aliases():
    assert ReplicaRouter().allow_relation(Province(), Province()) is True


def test_a_queryset_in_a_replica_block_reads_from_the_replica(routed, replica_alias):
    with use_replica():
        queryset = Province.objects.filter(code="IR-06")
        assert queryset.db == REPLICA_ALIAS
        # select_for_update is a write: the lock is taken on the primary.
        assert queryset.select_for_update().db == "default"
    assert Province.objects.all().db == "default"


@pytest.mark.django_db
def test_an_object_read_from_the_replica_is_saved_to_default(routed, replica_alias):
    province = Province.objects.create(
        code="IR-06", name_fa="بوشهر", name_en="Bushehr", population_1395=1163400
    )
    province._state.db = REPLICA_ALIAS  # as if it had been read there
    with use_replica():
        province.name_en = "Bushehr province"
        province.save(update_fields=["name_en"])
    assert province._state.db == "default"
    assert Province.objects.using("default").get(code="IR-06").name_en == "Bushehr province"


@pytest.mark.django_db(transaction=True)
def test_it_reads_from_default_inside_a_transaction_on_default(routed, replica_alias):
    with use_replica():
        assert Province.objects.all().db == REPLICA_ALIAS
        with transaction.atomic():
            # The replica cannot see this transaction's own rows yet.
            assert Province.objects.all().db == "default"
        assert Province.objects.all().db == REPLICA_ALIAS


def test_outside_a_replica_block_the_router_leaves_reads_to_django(replica_alias):
    router = ReplicaRouter()
    assert router.db_for_read(Province) is None
    with use_replica():
        assert router.db_for_read(Province) == REPLICA_ALIAS
