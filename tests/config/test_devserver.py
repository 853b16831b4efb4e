"""`make run`'s development server and the tests' live servers turn Nagle's algorithm off on every
connection they accept: Django's own server wrote a response in pieces, and on a kept-alive
connection each piece after the first waited for the browser's delayed acknowledgement (40 ms)."""

import socket

from django.core.management import get_commands, load_command_class
from django.core.servers.basehttp import WSGIRequestHandler
from django.test.testcases import LiveServerThread


def accepted_connection(server_class):
    server = server_class(("127.0.0.1", 0), WSGIRequestHandler)
    try:
        with socket.create_connection(server.server_address[:2], timeout=5):
            connection, _ = server.get_request()
            with connection:
                return connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        server.server_close()


def test_runserver_turns_nagle_off_and_still_leaves_static_files_to_whitenoise():
    command = load_command_class(get_commands()["runserver"], "runserver")
    assert accepted_connection(command.server_cls)
    options = command.create_parser("manage.py", "runserver").parse_args([])
    assert options.use_static_handler is False  # WhiteNoise serves them, as in production


def test_the_tests_live_servers_run_on_the_same_server():
    assert accepted_connection(LiveServerThread.server_class)
