"""Tests of the local DNS server the name-resolution tests rely on."""

from __future__ import annotations

import socket
import struct
import time

import pytest
from dnslib import QTYPE, RCODE, DNSRecord

from support.dns_server import DnsServer

TIMEOUT_S = 2.0


def _query(
    server: DnsServer, name: str, qtype: str = "A", *, tcp: bool = False, timeout: float = TIMEOUT_S
) -> DNSRecord:
    question = DNSRecord.question(name, qtype)
    reply = DNSRecord.parse(question.send(server.host, server.port, tcp=tcp, timeout=timeout))
    assert reply.header.id == question.header.id
    return reply


def _addresses(reply: DNSRecord) -> list[str]:
    return [str(rr.rdata) for rr in reply.rr]


def _tcp_message(record: DNSRecord) -> bytes:
    data = record.pack()
    return struct.pack("!H", len(data)) + data


def _read_tcp_reply(connection: socket.socket) -> DNSRecord:
    prefix = connection.recv(2, socket.MSG_WAITALL)
    (length,) = struct.unpack("!H", prefix)
    return DNSRecord.parse(connection.recv(length, socket.MSG_WAITALL))


@pytest.mark.parametrize("name", ["h0.test", "h7.test", "h1234.test", "h99999.test."])
def test_h_names_resolve_to_127_0_0_1_by_default(dns_server: DnsServer, name: str) -> None:
    reply = _query(dns_server, name)
    assert reply.header.rcode == RCODE.NOERROR
    assert _addresses(reply) == ["127.0.0.1"]


def test_spread_loopback_maps_h_names_over_250_addresses() -> None:
    with DnsServer(spread_loopback=True) as server:
        expected = {
            "h0.test": "127.0.0.1",
            "h7.test": "127.0.0.8",
            "h249.test": "127.0.0.250",
            "h250.test": "127.0.0.1",
            "h1234.test": "127.0.0.235",
            "other.test": "127.0.0.1",
        }
        for name, address in expected.items():
            assert _addresses(_query(server, name)) == [address], name


@pytest.mark.parametrize("name", ["example.test", "a.b.c.test", "Mixed.CASE.Test."])
def test_other_names_of_the_zone_resolve_to_127_0_0_1(dns_server: DnsServer, name: str) -> None:
    reply = _query(dns_server, name)
    assert reply.header.rcode == RCODE.NOERROR
    assert reply.header.aa == 1
    assert _addresses(reply) == ["127.0.0.1"]
    assert str(reply.rr[0].rname) == (name if name.endswith(".") else name + ".")


def test_multi_has_three_a_records_in_order(dns_server: DnsServer) -> None:
    assert _addresses(_query(dns_server, "multi.test")) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("private.test", "10.1.2.3"),
        ("linklocal.test", "169.254.169.254"),
        ("metadata.test", "169.254.169.254"),
    ],
)
def test_non_public_names_are_answered(dns_server: DnsServer, name: str, address: str) -> None:
    assert _addresses(_query(dns_server, name)) == [address]


@pytest.mark.parametrize("name", ["v6.test", "img.v6.test", "h3.V6.test"])
def test_aaaa_under_v6_is_loopback(dns_server: DnsServer, name: str) -> None:
    reply = _query(dns_server, name, "AAAA")
    assert reply.header.rcode == RCODE.NOERROR
    assert [rr.rtype for rr in reply.rr] == [QTYPE.AAAA]
    assert _addresses(reply) == ["::1"]
    # The v6 names are dual-stack: they keep their A record.
    assert _addresses(_query(dns_server, name)) == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("name", "qtype"), [("h1.test", "AAAA"), ("foo.test", "MX"), ("test", "A")]
)
def test_other_questions_are_nodata_with_soa(dns_server: DnsServer, name: str, qtype: str) -> None:
    reply = _query(dns_server, name, qtype)
    assert reply.header.rcode == RCODE.NOERROR
    assert reply.rr == []
    assert [rr.rtype for rr in reply.auth] == [QTYPE.SOA]


@pytest.mark.parametrize("qtype", ["A", "AAAA"])
def test_nx_names_are_nxdomain_for_every_type(dns_server: DnsServer, qtype: str) -> None:
    reply = _query(dns_server, "nx-missing.test", qtype)
    assert reply.header.rcode == RCODE.NXDOMAIN
    assert reply.header.aa == 1
    assert reply.rr == []
    assert [rr.rtype for rr in reply.auth] == [QTYPE.SOA]


def test_names_outside_the_zone_are_refused(dns_server: DnsServer) -> None:
    reply = _query(dns_server, "example.com")
    assert reply.header.rcode == RCODE.REFUSED
    assert reply.header.aa == 0
    assert reply.rr == []


def test_silent_name_gets_no_answer_so_the_client_times_out(dns_server: DnsServer) -> None:
    name = "silent-timeout.test"
    before = dns_server.query_count(name)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        _query(dns_server, name, timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert dns_server.query_count(name) == before + 1
    # Dropping one query does not stop the server.
    assert _addresses(_query(dns_server, "after-silent.test")) == ["127.0.0.1"]


def test_tcp_answers_like_udp(dns_server: DnsServer) -> None:
    reply = _query(dns_server, "multi.test", tcp=True)
    assert _addresses(reply) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert _query(dns_server, "nx-tcp.test", tcp=True).header.rcode == RCODE.NXDOMAIN


def test_tcp_connection_survives_a_silent_query_and_answers_the_next(
    dns_server: DnsServer,
) -> None:
    with socket.create_connection((dns_server.host, dns_server.port), timeout=TIMEOUT_S) as conn:
        silent = DNSRecord.question("silent-tcp.test")
        answered = DNSRecord.question("h5.test")
        conn.sendall(_tcp_message(silent) + _tcp_message(answered))
        reply = _read_tcp_reply(conn)
    assert reply.header.id == answered.header.id
    assert _addresses(reply) == ["127.0.0.1"]


def test_malformed_datagram_is_dropped(dns_server: DnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        sock.sendto(b"\x12\x34 not a dns message", (dns_server.host, dns_server.port))
        with pytest.raises(TimeoutError):
            sock.recvfrom(512)
    assert _addresses(_query(dns_server, "after-garbage.test")) == ["127.0.0.1"]


def test_ttl_is_configurable_per_server_and_per_name() -> None:
    with DnsServer(ttl=5, ttl_override={"Long.TEST.": 3600, "nx-short.test": 1}) as server:
        assert [rr.ttl for rr in _query(server, "multi.test").rr] == [5, 5, 5]
        assert [rr.ttl for rr in _query(server, "long.test").rr] == [3600]
        assert [rr.ttl for rr in _query(server, "long.test", "AAAA").auth] == [3600]
        assert [rr.ttl for rr in _query(server, "nx-short.test").auth] == [1]
        assert server.ttl_for("LONG.test") == 3600


def test_default_ttl_is_60_seconds(dns_server: DnsServer) -> None:
    assert [rr.ttl for rr in _query(dns_server, "h2.test").rr] == [60]


@pytest.mark.parametrize("ttl", [-1, 2**31, 1.5, True])
def test_invalid_ttl_is_rejected(ttl: object) -> None:
    with pytest.raises(ValueError, match=r"ttl must be an integer in \[0, 2147483647\], got"):
        DnsServer(ttl=ttl)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"ttl_override\['a.test'\] must be an integer"):
        DnsServer(ttl_override={"a.test": ttl})  # type: ignore[dict-item]


def test_query_count_counts_every_type_and_transport_by_normalized_name() -> None:
    with DnsServer() as server:
        _query(server, "count.test")
        _query(server, "COUNT.test.", "AAAA")
        _query(server, "Count.Test", tcp=True)
        _query(server, "other.test")
        assert server.query_count("count.test") == 3
        assert server.query_count("COUNT.TEST.") == 3
        assert server.query_count("other.test") == 1
        assert server.query_count("never.test") == 0
        server.reset_counts()
        assert server.query_count("count.test") == 0
        _query(server, "count.test")
        assert server.query_count("count.test") == 1


def test_address_port_and_idempotent_stop() -> None:
    server = DnsServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port
    with server:
        assert server.address == f"127.0.0.1:{server.port}"
        with pytest.raises(RuntimeError, match="already started"):
            server.start()
    server.stop()
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.address


def test_stop_returns_promptly_while_a_tcp_client_is_connected() -> None:
    server = DnsServer().start()
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT_S) as conn:
        conn.sendall(_tcp_message(DNSRecord.question("silent-open.test")))
        deadline = time.monotonic() + TIMEOUT_S
        while server.query_count("silent-open.test") == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2.0
        assert conn.recv(1) == b""
