"""Reading Redis URLs: one server, Cluster and Sentinel, TLS and the WAIT option."""

from __future__ import annotations

import re

import pytest

from jobcontracts.runtime import Connection, TopologyError
from jobcontracts.runtime.topology import ReplicaWait, parse_url


def test_single_server_urls_pass_through_unchanged() -> None:
    for url in ("redis://localhost:6379/0", "rediss://u:p@host:6380/2?ssl_cert_reqs=none"):
        endpoint = parse_url(url)
        assert endpoint.kind == "single"
        assert endpoint.url == url
        assert endpoint.wait is None


def test_wait_parameters_are_taken_out_of_a_single_server_url() -> None:
    endpoint = parse_url(
        "redis://h:1/0?wait_replicas=2&wait_timeout_ms=250&health_check_interval=3"
    )
    assert endpoint.wait == ReplicaWait(2, 250)
    assert endpoint.url == "redis://h:1/0?health_check_interval=3"
    assert parse_url("redis://h:1/0?wait_replicas=1").wait == ReplicaWait(1, 1000)
    assert parse_url("redis://h:1/0?wait_replicas=0").wait is None


def test_cluster_url_with_credentials_and_tls() -> None:
    endpoint = parse_url(
        "rediss+cluster://app:s%40cret@10.0.0.1:7000,[::1]:7001"
        "?ssl_ca_certs=/etc/ca.pem&ssl_certfile=/c.pem&ssl_keyfile=/k.pem"
    )
    assert endpoint.kind == "cluster"
    assert endpoint.tls
    assert endpoint.nodes == (("10.0.0.1", 7000), ("::1", 7001))
    assert (endpoint.username, endpoint.password) == ("app", "s@cret")
    node = endpoint.node_url("10.0.0.2", 7002)
    assert node.startswith("rediss://app:s%40cret@10.0.0.2:7002/0?")
    assert "ssl_ca_certs=%2Fetc%2Fca.pem" in node
    assert "s@cret" not in endpoint.describe()


def test_sentinel_url_names_service_and_db() -> None:
    endpoint = parse_url("redis+sentinel://:pw@h1:26379,h2:26380/mymaster/3?sentinel_password=sp")
    assert endpoint.kind == "sentinel"
    assert endpoint.nodes == (("h1", 26379), ("h2", 26380))
    assert (endpoint.service, endpoint.db, endpoint.password) == ("mymaster", 3, "pw")
    assert dict(endpoint.sentinel_auth) == {"sentinel_password": "sp"}
    assert parse_url("redis+sentinel://h1:26379/mymaster").db == 0


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("redis+sentinel://h1:26379", "expected /SERVICE or /SERVICE/DB"),
        ("redis+sentinel://h1:26379/m/x", "expected /SERVICE or /SERVICE/DB"),
        ("redis+sentinel://h1:26379/m?nope=1", "unknown parameter(s) nope"),
        ("redis+cluster://h1:70000", "is not host:port"),
        ("redis+cluster://h1:7000?sentinel_password=x", "unknown parameter(s) sentinel_password"),
        ("redis://h:1/0?wait_replicas=two", "must be integers"),
        ("redis://h:1/0?wait_timeout_ms=5", "wait_timeout_ms needs wait_replicas"),
        ("redis://h:1/0?wait_replicas=-1", "wait_replicas must be >= 0"),
        ("http://h:1", "unknown scheme 'http'"),
    ],
)
def test_malformed_urls_raise_one_line(url: str, words: str) -> None:
    with pytest.raises(TopologyError, match=re.escape(words)) as info:
        Connection(url)
    assert "\n" not in str(info.value)


def test_passwords_are_redacted_in_messages_and_reprs() -> None:
    with pytest.raises(TopologyError) as info:
        parse_url("redis+cluster://user:hunter2@h1")
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(Connection("redis+cluster://user:hunter2@h1:7000"))
