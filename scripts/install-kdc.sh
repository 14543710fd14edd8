#!/usr/bin/env bash
# Installs an MIT Kerberos KDC (Debian's krb5-kdc, krb5-admin-server, krb5-user) for the SASL/GSSAPI tests; quiet when present.
set -euo pipefail
PATH="$PATH:/usr/sbin:/sbin" # Debian installs the KDC tools there, off an ordinary user's PATH
if command -v krb5kdc >/dev/null && command -v kadmin.local >/dev/null && command -v kdb5_util >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-kdc: run as root, or install krb5-kdc krb5-admin-server krb5-user with your package manager" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends krb5-kdc krb5-admin-server krb5-user >/dev/null
