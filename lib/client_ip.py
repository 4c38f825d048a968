"""The address of the client that sent a request, for login limits, throttles and the audit log.

``X-Forwarded-For`` is written by whoever sends the request; only the hops our own proxies appended can
be believed. So the header is read only when ``MINHU_TRUSTED_PROXIES`` says which proxies are ours:

- a count (``1``, ``2``): that many proxies stand in front of the app, each appending the address it saw;
  the client is the count-th address from the right;
- a list of addresses or CIDR blocks (``10.0.0.0/8,192.168.1.7``): the request is walked from the peer
  leftwards and the first address that is not one of ours is the client (the right-most untrusted hop).

With the setting empty the header is ignored and the peer address (``REMOTE_ADDR``) is the client.
A value that is not an IP address (``not-an-ip``) is never returned: the walk stops at it and answers the
last trusted hop, so nothing downstream (the audit log's inet column) ever sees it.
"""

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # "[::1]:8080"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "1.2.3.4:5678"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=8)
def parse_trusted_proxies(raw: str) -> int | tuple[Network, ...]:
    """``MINHU_TRUSTED_PROXIES`` → a hop count, or the networks of our proxies (empty: trust no header).
    Raises ImproperlyConfigured for a value that is neither, so a typo stops the app at start-up."""
    raw = (raw or "").strip()
    if not raw:
        return ()
    if raw.isdigit():
        return int(raw)
    networks = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"MINHU_TRUSTED_PROXIES: {item!r} is not an address or CIDR block (or give a hop count)"
            ) from None
    return tuple(networks)


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as a string, or None when there is none that parses."""
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR"))
    trusted = parse_trusted_proxies(getattr(settings, "MINHU_TRUSTED_PROXIES", ""))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not trusted or not forwarded:
        return str(peer) if peer else None
    hops = forwarded.split(",")
    if isinstance(trusted, int):
        # Each of our `trusted` proxies appended one hop; the client is the left-most of those.
        if len(hops) < trusted:
            return str(peer) if peer else None
        client = _address(hops[-trusted])
        return str(client) if client else (str(peer) if peer else None)
    if peer is None or not _trusted(peer, trusted):
        return str(peer) if peer else None  # not sent through our proxy: the header is the client's own
    last = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # junk can only come from the client: stop at the last hop we believe
        if not _trusted(address, trusted):
            return str(address)
        last = address
    return str(last)
