import pytest

from bot.testing import start_assistant

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    running = start_assistant(tmp_path_factory.mktemp("assistant"))
    yield running
    running.stop()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/model/" in str(item.fspath):
            item.add_marker(pytest.mark.model)
