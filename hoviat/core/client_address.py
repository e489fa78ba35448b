"""The client's real address behind a reverse proxy (HOVIAT_TRUSTED_PROXIES).

Every rate limit and log reads `REMOTE_ADDR`. Behind a proxy that is the proxy's address, so
all citizens would share one bucket. When the peer is one of the trusted proxies, this
middleware replaces `REMOTE_ADDR` with the address the proxies recorded in `X-Forwarded-For`:
read from the right, skipping trusted proxies, the first address that is not one of them (the
left part of the header is whatever the client chose to send, and is never believed). With no
trusted proxies (the default) it does nothing.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: str, networks: list[Network]) -> str:
    if not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage where an address should be: keep the proxy's
    return hops[0] if hops else peer


class ClientAddressMiddleware:
    def __init__(self, get_response):
        self.networks = [
            ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXIES
        ]
        if not self.networks:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            meta["REMOTE_ADDR"] = client_address(
                meta.get("REMOTE_ADDR", ""), forwarded, self.networks
            )
        return self.get_response(request)
