"""`runserver` on config.devserver's server, which answers kept-alive connections without a 40 ms
wait per request. WhiteNoise's runserver_nostatic, first in INSTALLED_APPS, builds on this one."""

from django.contrib.staticfiles.management.commands.runserver import Command as StaticFilesRunserver

from config.devserver import WSGIServer


class Command(StaticFilesRunserver):
    server_cls = WSGIServer
