# Sourced by .ci/run before the test command: what the platform tests need on a fresh machine.
# Debian's chromium and chromium-driver (browser tests; never a downloaded browser build) and
# a real PostgreSQL server, started with pg_ctlcluster, whose URL the tests read from
# TACEPATH_TEST_DATABASE_URL (the suite then runs against SQLite and PostgreSQL).

echo "== platform: Debian chromium, chromium-driver and postgresql; a PostgreSQL cluster"
_tp_need=()
command -v chromium >/dev/null 2>&1 || _tp_need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || _tp_need+=(chromium-driver)
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then _tp_need+=(postgresql); fi
if [ "${#_tp_need[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${_tp_need[@]}" >/dev/null
fi

_tp_ver="$(ls /usr/lib/postgresql | sort -n | tail -1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${_tp_ver} main"; then
  pg_createcluster "${_tp_ver}" main >/dev/null
fi
if ! pg_lsclusters -h | awk '$1=="'"${_tp_ver}"'" && $2=="main" {print $4}' | grep -qx online; then
  pg_ctlcluster "${_tp_ver}" main start
fi
_tp_port="$(pg_lsclusters -h | awk '$1=="'"${_tp_ver}"'" && $2=="main" {print $3}')"
if ! su postgres -c "psql -p ${_tp_port} -tAc \"SELECT 1 FROM pg_roles WHERE rolname='tacepath_ci'\"" | grep -qx 1; then
  su postgres -c "psql -p ${_tp_port} -qc \"CREATE ROLE tacepath_ci LOGIN CREATEDB PASSWORD 'tacepath_ci'\""
fi
# The tests create (and drop) their own databases from this maintenance database.
export TACEPATH_TEST_DATABASE_URL="postgresql+psycopg://tacepath_ci:tacepath_ci@127.0.0.1:${_tp_port}/postgres"
echo "PostgreSQL ${_tp_ver} on port ${_tp_port}; TACEPATH_TEST_DATABASE_URL set"
unset _tp_need _tp_ver _tp_port
