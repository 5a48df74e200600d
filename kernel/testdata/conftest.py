"""Shared set-up of the tests that drive golora with Jupyter's own clients.

The Makefile builds the binary, installs its kernelspec into the project's
virtualenv (where jupyter_client looks) and exports GOLORA with the binary's
path.
"""
import os
import shutil

import pytest


@pytest.fixture(scope="session")
def golora():
    path = os.environ.get("GOLORA") or shutil.which("golora")
    if not path:
        pytest.fail("GOLORA is not set: run the tests with `make test`, which builds golora first")
    return path
