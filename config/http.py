"""What the project reads from a request the same way everywhere."""


def client_ip(request):
    """The visitor's address as the server saw it (REMOTE_ADDR; behind a proxy the server or
    middleware sets it): what rate limits, consent records and likes store."""
    return request.META.get("REMOTE_ADDR")
