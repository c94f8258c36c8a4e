"""Where webhooks may be sent: hosts that resolve to public addresses only.

A subscription's URL is chosen by an admin, but the worker posts from inside the network,
so a receiver at `127.0.0.1`, `localhost`, `10.0.0.5`, `169.254.169.254` (cloud metadata)
or a name that resolves there would let the registry reach services that are not meant to
be reachable from outside (server-side request forgery). Every address a host resolves to
is checked with the standard library's `ipaddress` classification, which sees through the
numeric spellings (`2130706433`, `0x7f000001`, `127.1`: getaddrinfo reads them all as
127.0.0.1) and IPv4 addresses wrapped in IPv6. The check runs when the subscription is
made and again at each delivery, on the very addresses the worker then connects to, so a
name that later resolves elsewhere (DNS rebinding) is caught too.

Hosts named in HERITAGE_WEBHOOK_ALLOWED_HOSTS skip the check: an admin's decision for a
receiver inside the network.
"""

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


class ReceiverRefused(OSError):
    """The receiver's host is not one webhooks may be sent to; `reason` is a fixed phrase.

    An OSError, as a failed connection is: urllib hands it back wrapped in a URLError."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(address: IpAddress) -> IpAddress:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo), or itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def non_public_kind(raw: str) -> str | None:
    """What kind of non-public address `raw` is ("loopback", "private"…), or None."""
    address = _embedded_ipv4(ipaddress.ip_address(raw.split("%")[0]))
    for kind, test in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        # Shared address space (100.64.0.0/10), documentation and benchmarking ranges…
        ("non-public", not address.is_global),
    ):
        if test:
            return kind
    return None


def allowed_by_name(host: str, allowed_hosts: Iterable[str]) -> bool:
    """Whether an admin named this host as a receiver inside the network."""
    names = {name.strip().strip("[]").lower() for name in allowed_hosts}
    return host.strip("[]").lower() in names


def resolve_public(host: str, port: int) -> list[tuple]:
    """The addresses `host` resolves to (getaddrinfo's tuples), all checked to be public;
    `ReceiverRefused` if it does not resolve or any of them is not public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise ReceiverRefused("the receiver's host name does not resolve") from None
    for *_, sockaddr in found:
        kind = non_public_kind(sockaddr[0])
        if kind is not None:
            raise ReceiverRefused(
                f"the receiver's host resolves to a {kind} address, which webhooks are not "
                "sent to (an admin may allow the host by name: HERITAGE_WEBHOOK_ALLOWED_HOSTS)"
            )
    return found


def check_url(url: str, allowed_hosts: Iterable[str]) -> None:
    """`ReceiverRefused` unless webhooks may be sent to this URL's host now."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if allowed_by_name(host, allowed_hosts):
        return
    resolve_public(host, parts.port or (443 if parts.scheme == "https" else 80))


def connect_checked(
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
    *,
    allowed_hosts: Iterable[str] = (),
) -> socket.socket:
    """`socket.create_connection`, but only to addresses checked to be public (or to a host
    allowed by name): the addresses checked are the ones connected to."""
    host, port = address
    if allowed_by_name(host, allowed_hosts):
        return socket.create_connection(address, timeout, source_address)
    last_error: OSError | None = None
    for family, kind, protocol, _, sockaddr in resolve_public(host, port):
        sock = socket.socket(family, kind, protocol)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address is not None:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last_error = error
    raise last_error or OSError(f"no address to connect to for {host}")
