#!/usr/bin/env bash
# `make prod-local`: install the Debian packages the topology needs when missing (as .ci/run
# does), make sure the shared PostgreSQL server is up, then start everything (scripts/prod_local.py).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v pgbouncer >/dev/null 2>&1 || need+=(pgbouncer)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ! -e /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so ] \
    && apt-cache show libnginx-mod-http-brotli-filter >/dev/null 2>&1; then
  need+=(libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static)
fi
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  # Packages only: their own services are not started here (policy-rc.d), we run our own.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! pg_isready -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -q && break; sleep 1; done
fi

exec .venv/bin/python scripts/prod_local.py
