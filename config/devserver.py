"""The HTTP server of `runserver` (`make run`) and of the tests' live servers: Django's, with
Nagle's algorithm off on every connection it accepts.

wsgiref writes a response in several small writes (status line, headers, body). With Nagle's
algorithm on, each write after the first waits until the client acknowledges the one before, and
a client delays that acknowledgement (40 ms on Linux): every request on a kept-alive connection,
which browsers always use, took 40 ms or more however little the view did. gunicorn, production's
server, turns the algorithm off too."""

import socket

from django.core.servers import basehttp


class NoDelayMixin:
    def get_request(self):
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class WSGIServer(NoDelayMixin, basehttp.WSGIServer):
    """runserver's server class (it adds threads itself)."""


class ThreadedWSGIServer(NoDelayMixin, basehttp.ThreadedWSGIServer):
    """The live server's (django.test.testcases.LiveServerThread.server_class)."""
