#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at DATABASE_URL's host and port.
# When none does, it starts the machine's local cluster if one is installed,
# or says exactly what to install and run. It never prints a stack trace.
set -u
url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/flowbatch?sslmode=disable}"
hostport="${url#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"
[ "$port" = "$hostport" ] && port=5432

ready() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  cat >&2 <<MSG
PostgreSQL client tools are not installed, so Flowbatch cannot check for a database.
Install PostgreSQL 15 or newer, for example on Debian or Ubuntu:
    sudo apt-get install -y postgresql
then run 'make run' again. Or point DATABASE_URL at a server you have:
    DATABASE_URL=postgres://user:password@host:5432/flowbatch make run
MSG
  exit 1
fi
ready && exit 0

if [ "$host" = "127.0.0.1" ] || [ "$host" = "localhost" ]; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "No PostgreSQL answered at $host:$port; starting the local cluster $version/main..." >&2
    if pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || sudo -n pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1; then
      for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
    fi
  fi
fi

cat >&2 <<MSG
No PostgreSQL server answers at $host:$port (DATABASE_URL=$url).
Start one, then run 'make run' again:
  - Debian/Ubuntu with PostgreSQL installed:  sudo pg_ctlcluster \$(ls /etc/postgresql) main start
  - not installed yet:                        sudo apt-get install -y postgresql
  - macOS (Homebrew):                         brew install postgresql@16 && brew services start postgresql@16
Or set DATABASE_URL to a server you have, e.g.
    DATABASE_URL=postgres://user:password@db.example.com:5432/flowbatch make run
MSG
exit 1
