"""Local authoritative DNS server for the test suite.

``DnsServer`` answers for the zone ``test.`` on 127.0.0.1, over UDP and TCP on the same free
port, so name resolution is tested end to end without the internet or the system resolver.
Names are matched case-insensitively, with or without the trailing dot.

The zone (first matching rule wins; "under" includes the name itself):

``silent-<anything>.test``
    No answer at all, for every type: the query is dropped and the client times out.
``nx-<anything>.test``
    ``NXDOMAIN``, for every type.
``multi.test``
    A 127.0.0.1, 127.0.0.2 and 127.0.0.3 (in that order).
``private.test``
    A 10.1.2.3.
``linklocal.test`` and ``metadata.test``
    A 169.254.169.254.
``h<N>.test`` (``N`` decimal)
    A 127.0.0.1; with ``spread_loopback=True``, A 127.0.0.<1 + N % 250>, so thousands of
    distinct host names map to 250 loopback addresses. Whoever spreads must serve on those
    addresses: an ``ImageServer`` bound to 127.0.0.1 is reachable only under 127.0.0.1.
``<anything else>.test``
    A 127.0.0.1.
AAAA
    ``::1`` for names under ``v6.test``; an empty ``NOERROR`` answer (NODATA) for every other
    name of the zone that has an A record.
Other types, and the apex ``test`` itself
    NODATA.
Names outside ``test.``
    ``REFUSED``.

``private.test``, ``linklocal.test`` and ``metadata.test`` are only ever answered, never
connected to: the engine must refuse their addresses, and tests that might connect anyway run
inside a network namespace.

Answers are authoritative (``AA``), carry the TTL of the name (``ttl``, or ``ttl_override``
for that name), and negative answers carry the zone's SOA with that TTL as negative-caching
time (RFC 2308). A malformed query or a response sent to the server is dropped; an opcode other
than ``QUERY`` gets ``NOTIMP``, a query without a question ``FORMERR``. The server logs
nothing.
"""

from __future__ import annotations

import contextlib
import re
import socket
import socketserver
import struct
import sys
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

from dnslib import AAAA, OPCODE, QTYPE, RCODE, RR, SOA, A, DNSError, DNSRecord

#: The zone the server is authoritative for, without the trailing dot.
ZONE = "test"
DEFAULT_TTL_S = 60
#: The largest TTL RFC 2181 §8 allows.
MAX_TTL_S = 2**31 - 1
#: Loopback addresses ``h<N>.test`` spreads over with ``spread_loopback=True``.
SPREAD_ADDRESSES = 250

_HOST = "127.0.0.1"
_FIXED_A: dict[str, tuple[str, ...]] = {
    "multi.test": ("127.0.0.1", "127.0.0.2", "127.0.0.3"),
    "private.test": ("10.1.2.3",),
    "linklocal.test": ("169.254.169.254",),
    "metadata.test": ("169.254.169.254",),
}
_SPREAD_NAME = re.compile(r"h([0-9]+)\.test")
_V6_ZONE = "v6.test"
# Bounds how long a TCP client that went quiet holds a handler thread.
_TCP_IDLE_TIMEOUT_S = 30.0
_BIND_ATTEMPTS = 20


def normalize_name(name: str) -> str:
    """Returns ``name`` lower-cased without its trailing dot: the key of counts and overrides."""
    return name.lower().removesuffix(".")


def _under(name: str, zone: str) -> bool:
    return name == zone or name.endswith("." + zone)


def _validate_ttl(what: str, ttl: object) -> int:
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL_S:
        raise ValueError(f"{what} must be an integer in [0, {MAX_TTL_S}], got {ttl!r}")
    return ttl


@dataclass(frozen=True)
class Answer:
    """What the zone says about one question: a response code and the addresses of the asked
    type (empty for NODATA and for every error code)."""

    rcode: int
    addresses: tuple[str, ...] = ()


class Zone:
    """The ``test.`` zone as a pure function of (name, type); see the module docstring.

    Args:
        spread_loopback: map ``h<N>.test`` to 127.0.0.<1 + N % 250> instead of 127.0.0.1.
    """

    def __init__(self, *, spread_loopback: bool = False) -> None:
        self._spread_loopback = spread_loopback

    def lookup(self, name: str, qtype: int) -> Answer | None:
        """Answers a question for normalized ``name``; ``None`` means drop the query."""
        if not _under(name, ZONE):
            return Answer(RCODE.REFUSED)
        if name.startswith("silent-"):
            return None
        if name.startswith("nx-"):
            return Answer(RCODE.NXDOMAIN)
        if name == ZONE:
            return Answer(RCODE.NOERROR)
        if qtype == QTYPE.A:
            return Answer(RCODE.NOERROR, self._ipv4(name))
        if qtype == QTYPE.AAAA and _under(name, _V6_ZONE):
            return Answer(RCODE.NOERROR, ("::1",))
        return Answer(RCODE.NOERROR)

    def _ipv4(self, name: str) -> tuple[str, ...]:
        fixed = _FIXED_A.get(name)
        if fixed is not None:
            return fixed
        match = _SPREAD_NAME.fullmatch(name)
        if match is not None and self._spread_loopback:
            return (f"127.0.0.{1 + int(match.group(1)) % SPREAD_ADDRESSES}",)
        return ("127.0.0.1",)


class _UdpServer(socketserver.UDPServer):
    # One thread answers every datagram: answers are computed in microseconds, and a silent
    # name costs nothing because it is simply not answered.
    app: DnsServer

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # the client went away
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: DnsServer

    def handle_error(self, request: object, client_address: object) -> None:
        # Timeouts, resets and connections shut down by stop() are not errors.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _UdpHandler(socketserver.BaseRequestHandler):
    server: _UdpServer

    def handle(self) -> None:
        data, sock = self.request
        reply = self.server.app._reply(data)
        if reply is not None:
            sock.sendto(reply, self.client_address)


def _recv_exact(connection: socket.socket, size: int) -> bytes | None:
    """Reads exactly ``size`` bytes; ``None`` if the peer closed first."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = connection.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


class _TcpHandler(socketserver.BaseRequestHandler):
    """Serves length-prefixed queries (RFC 7766) until the client closes the connection; a
    dropped query gets no reply but the connection stays open for the next one."""

    server: _TcpServer

    def handle(self) -> None:
        app = self.server.app
        connection: socket.socket = self.request
        connection.settimeout(_TCP_IDLE_TIMEOUT_S)
        app._register(connection)
        try:
            while True:
                prefix = _recv_exact(connection, 2)
                if prefix is None:
                    return
                message = _recv_exact(connection, struct.unpack("!H", prefix)[0])
                if message is None:
                    return
                reply = app._reply(message)
                if reply is not None:
                    connection.sendall(struct.pack("!H", len(reply)) + reply)
        finally:
            app._unregister(connection)


class DnsServer:
    """A local authoritative DNS server for the ``test.`` zone, on UDP and TCP.

    Use as a context manager, or call ``start()`` and ``stop()``. See the module docstring for
    the zone. Thread-safe: UDP queries are answered on one thread, TCP connections each on
    their own, and the query counters are shared under a lock.

    Args:
        ttl: TTL in seconds of every record, and negative-caching time of every negative
            answer (default 60).
        ttl_override: TTL by name (any case, trailing dot optional) for the names that differ.
        spread_loopback: map ``h<N>.test`` to 127.0.0.<1 + N % 250> instead of 127.0.0.1.
    """

    def __init__(
        self,
        *,
        ttl: int = DEFAULT_TTL_S,
        ttl_override: Mapping[str, int] | None = None,
        spread_loopback: bool = False,
    ) -> None:
        self._ttl = _validate_ttl("ttl", ttl)
        self._ttl_override = {
            normalize_name(name): _validate_ttl(f"ttl_override[{name!r}]", value)
            for name, value in (ttl_override or {}).items()
        }
        self._zone = Zone(spread_loopback=spread_loopback)
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()  # guarded by _lock
        self._connections: set[socket.socket] = set()  # guarded by _lock
        self._stopping = threading.Event()
        self._udp: _UdpServer | None = None
        self._tcp: _TcpServer | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> DnsServer:
        """Binds UDP and TCP on one free port of 127.0.0.1 and serves on background threads."""
        if self._udp is not None:
            raise RuntimeError("DnsServer is already started")
        self._stopping.clear()
        self._udp, self._tcp = self._bind()
        for server, transport in ((self._udp, "udp"), (self._tcp, "tcp")):
            server.app = self
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"DnsServer:{transport}:{self.port}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stops serving and closes every open TCP connection; returns promptly. Idempotent."""
        udp, tcp = self._udp, self._tcp
        if udp is None or tcp is None:
            return
        self._stopping.set()
        udp.shutdown()
        tcp.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)
        udp.server_close()
        tcp.server_close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._udp = self._tcp = None
        self._threads = []

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def host(self) -> str:
        """The bound address, ``127.0.0.1``."""
        return _HOST

    @property
    def port(self) -> int:
        """The bound port, the same for UDP and TCP. REQUIRES: started."""
        if self._udp is None:
            raise RuntimeError("DnsServer is not started")
        return int(self._udp.server_address[1])

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``, the form resolvers take a server in. REQUIRES: started."""
        return f"{_HOST}:{self.port}"

    def ttl_for(self, name: str) -> int:
        """Returns the TTL the server gives ``name``'s records and negative answers."""
        return self._ttl_override.get(normalize_name(name), self._ttl)

    def query_count(self, name: str) -> int:
        """Returns how many queries, of any type and over either transport, asked for ``name``
        (any case, trailing dot optional), dropped ones included."""
        with self._lock:
            return self._counts[normalize_name(name)]

    def reset_counts(self) -> None:
        """Zeroes every query counter."""
        with self._lock:
            self._counts.clear()

    def _bind(self) -> tuple[_UdpServer, _TcpServer]:
        # Port 0 picks a free UDP port; the same TCP port may be taken, so try a few.
        for _ in range(_BIND_ATTEMPTS):
            udp = _UdpServer((_HOST, 0), _UdpHandler)
            try:
                tcp = _TcpServer((_HOST, udp.server_address[1]), _TcpHandler)
            except OSError:
                udp.server_close()
                continue
            return udp, tcp
        raise OSError(f"no port of {_HOST} was free for both UDP and TCP")

    def _reply(self, data: bytes) -> bytes | None:
        """Returns the packed reply to query ``data``, or ``None`` to drop it."""
        try:
            request = DNSRecord.parse(data)
        except DNSError:
            return None
        if request.header.qr:  # a response, not a query
            return None
        reply = request.reply(ra=0, aa=1)
        if request.header.opcode != OPCODE.QUERY:
            reply.header.rcode = RCODE.NOTIMP
            return reply.pack()
        if not request.questions:
            reply.header.rcode = RCODE.FORMERR
            return reply.pack()
        question = request.q
        name = normalize_name(str(question.qname))
        with self._lock:
            self._counts[name] += 1
        answer = self._zone.lookup(name, question.qtype)
        if answer is None:
            return None
        reply.header.rcode = answer.rcode
        if answer.rcode == RCODE.REFUSED:  # not our zone, so not an authoritative answer
            reply.header.aa = 0
        ttl = self.ttl_for(name)
        for address in answer.addresses:
            rdata = AAAA(address) if question.qtype == QTYPE.AAAA else A(address)
            reply.add_answer(RR(question.qname, question.qtype, rdata=rdata, ttl=ttl))
        if answer.rcode in (RCODE.NOERROR, RCODE.NXDOMAIN) and not answer.addresses:
            reply.add_auth(_soa(ttl))
        return reply.pack()

    def _register(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
        if self._stopping.is_set():
            # Accepted while stop() ran: close it rather than leave it unseen by stop().
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _unregister(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


def _soa(ttl: int) -> RR:
    # The last field (minimum) caps negative caching together with the record's own TTL.
    times = (1, 3600, 600, 86400, ttl)
    return RR(
        f"{ZONE}.", QTYPE.SOA, rdata=SOA(f"ns.{ZONE}.", f"hostmaster.{ZONE}.", times), ttl=ttl
    )
