"""Page tests run as the shipped config serves: on loopback, whatever folder pytest starts in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config


def set_server_address(address: str | None) -> None:
    config.set_option("server.address", address)


@pytest.fixture(autouse=True)
def loopback_server() -> Iterator[None]:
    """AppTest reads .streamlit/config.toml from the working directory; pin its address instead."""
    before = config.get_option("server.address")
    set_server_address("127.0.0.1")
    yield
    set_server_address(before)
