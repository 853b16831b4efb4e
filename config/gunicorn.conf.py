"""How gunicorn serves the site, in one place: the Docker image, docker/compose.yaml,
.ci/production-smoke and the HTTP benchmarks start it with `-c config/gunicorn.conf.py`.

Threaded workers (gthread): a request mostly waits on PostgreSQL (a VK callback waits for its
commit to be flushed to disk before it may answer `ok`), so several requests per process overlap
those waits, and concurrent commits share one WAL flush (PostgreSQL's group commit) instead of
queueing behind a few single-threaded workers. Each thread keeps its own database connection
(DB_CONN_MAX_AGE): workers × threads connections at most, well under PostgreSQL's default 100.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 120
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
