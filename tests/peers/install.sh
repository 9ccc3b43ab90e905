#!/usr/bin/env bash
# Install the Debian packages the test lab needs (Debian 12 bookworm, as root).
# Fast when everything is present: each package is checked with dpkg first, and
# apt-get runs (update once, then install) only for what is missing.
set -euo pipefail

PACKAGES=(
    # remote-access peers
    xrdp freerdp2-shadow-x11 winpr-utils tigervnc-standalone-server tigervnc-tools
    # DICOM and SSH peers
    orthanc dcmtk openssh-server
    # TLS endpoints, shared caches and the TLS oracles (coming issues)
    nginx-light varnish squid testssl.sh sslscan nmap
    # used by tests/peers/*.sh and probe.py: openssl (certs), ssh-keygen comes
    # with openssh-server, pkill/pgrep (procps), python3 (probe.py)
    openssl procps python3 ca-certificates
    # issue 10 (TLS): gnutls-serv, a server that negotiates RFC 7919 groups in TLS 1.2
    gnutls-bin
    # issue 12: tests/reference.rs renders the generated man pages (groff, man -l)
    groff-base man-db
    # issue 12: tests/peers/venv.sh makes the venv of compliance-trestle (tests/oscal.rs)
    python3-venv
    # issue 12: tests/html_report.rs renders the HTML report in headless Chromium (and a
    # Japanese font, so that the Japanese page's screenshot shows text, not boxes)
    chromium fonts-ipafont-gothic
    # issue 14: tests/peers/postgres.sh runs a PostgreSQL of its own for the history in
    # PostgreSQL (tests/history_postgres.rs); setpriv (util-linux) runs it as `postgres`
    postgresql util-linux
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install.sh: all ${#PACKAGES[@]} lab packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: missing packages (run as root, or install them yourself):" >&2
    echo "  apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "install.sh: installing ${missing[*]}"
# Keep package install scripts from starting services (xrdp, orthanc, nginx,
# varnish, squid, sshd): the lab starts its own instances on loopback and
# nothing system-wide may linger. Only add the policy if none exists.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    added_policy=1
fi
cleanup() { [ "$added_policy" -eq 0 ] || rm -f "$policy"; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "install.sh: done"
