#!/bin/sh
# First start of the database volume: the application's own role (see README, «Database roles»).
# It owns nothing; `migrate` (run as the owner, POSTGRES_USER) grants it what the platform needs.
set -eu
psql -v ON_ERROR_STOP=1 -v app_password="$POSTGRES_APP_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'EOSQL'
CREATE ROLE pokolenie_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
EOSQL
