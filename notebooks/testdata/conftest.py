import os
import shutil

import pytest


@pytest.fixture(scope="session")
def golora():
    path = os.environ.get("GOLORA") or shutil.which("golora")
    if not path:
        pytest.fail("GOLORA is not set: run the tests with `make test`, which builds golora first")
    return path


@pytest.fixture(scope="session")
def artifacts():
    """The folder where tests leave what a person may want to look at."""
    d = os.environ.get("TEST_ARTIFACTS", os.path.join(os.path.dirname(__file__), "..", "..", "out", "test"))
    os.makedirs(d, exist_ok=True)
    return os.path.abspath(d)
