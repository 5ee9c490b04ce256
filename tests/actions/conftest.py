import pytest


@pytest.fixture(autouse=True)
def desk_db(handoff_db):
    """Every action test writes its answer log and tickets to a fresh database, never to var/."""
    return handoff_db
