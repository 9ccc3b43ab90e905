#!/usr/bin/env bash
# Start the vendor-audit test lab: real servers on fixed loopback addresses.
# Usage: tests/peers/start.sh RUN_DIR
# Every config, key, log and data folder goes into RUN_DIR; every started PID
# is recorded as "PID NAME" in RUN_DIR/pids so tests/peers/stop.sh can end them.
# The addresses below are fixed: tests/common/mod.rs depends on them exactly.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 RUN_DIR" >&2
    exit 2
fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
RUN="$(cd "$1" && pwd)"          # absolute: sshd and xrdp insist on it
PEER_TIMEOUT="${PEER_TIMEOUT:-30}" # seconds per peer

# A previous run into the same folder may have left peers behind.
if [ -s "$RUN/pids" ]; then
    echo "start.sh: stopping peers left by a previous run in $RUN"
    bash "$HERE/stop.sh" "$RUN"
fi
: > "$RUN/pids"

die() {
    echo >&2
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
    echo "!!! LAB FAILED: $*" >&2
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
    exit 1
}

need() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] ||
            die "command '$c' not found: run 'bash tests/peers/install.sh' as root"
    done
}
need xrdp Xtigervnc tigervncpasswd freerdp-shadow-cli winpr-hash Orthanc storescp \
    echoscu openssl ssh-keygen /usr/sbin/sshd nginx setsid timeout \
    /usr/bin/python3 varnishd varnishadm squid

# spawn NAME CMD...: run CMD in its own session (so stop.sh can kill the whole
# process group), output to RUN/NAME.log, PID recorded in RUN/pids.
spawn() {
    local name="$1"; shift
    setsid "$@" >"$RUN/$name.log" 2>&1 </dev/null &
    echo "$! $name" >> "$RUN/pids"
}

# nginx_conf_head DIR: make the prefix DIR (logs, temp files, cache) of an nginx of its own,
# and write the top of DIR/nginx.conf up to and including `http {`: foreground, one worker,
# pid, logs and temp files under DIR. The caller appends its settings, servers and `}`.
nginx_conf_head() {
    local dir="$1"
    mkdir -p "$dir/logs" "$dir/tmp" "$dir/cache"
    cat > "$dir/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log notice;
events { worker_connections 512; }
http {
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path       $dir/tmp/proxy;
    fastcgi_temp_path     $dir/tmp/fastcgi;
    uwsgi_temp_path       $dir/tmp/uwsgi;
    scgi_temp_path        $dir/tmp/scgi;
CONF
}

# nginx_start NAME DIR: stop loudly if nginx rejects DIR/nginx.conf, else run it as NAME.
nginx_start() {
    local name="$1" dir="$2"
    nginx -t -q -e "$dir/logs/error.log" -p "$dir" -c "$dir/nginx.conf" >"$RUN/$name.log" 2>&1 ||
        { cat "$RUN/$name.log" >&2; die "nginx rejects $dir/nginx.conf"; }
    spawn "$name" nginx -e "$dir/logs/error.log" -p "$dir" -c "$dir/nginx.conf"
}

port_open() { # HOST PORT
    timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# wait_port NAME HOST PORT: poll every 0.1 s until HOST:PORT accepts, or fail
# loudly with the tail of the peer's log (and stop what was started).
wait_port() {
    local name="$1" host="$2" port="$3" deadline pid
    deadline=$(( $(date +%s) + PEER_TIMEOUT ))
    pid="$(awk -v n="$name" '$2 == n { print $1 }' "$RUN/pids")"
    until port_open "$host" "$port"; do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            fail_peer "$name" "$host:$port" "process $pid exited"
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            fail_peer "$name" "$host:$port" "port not accepting after ${PEER_TIMEOUT}s"
        fi
        sleep 0.1
    done
    printf '  %-20s %s:%s up\n' "$name" "$host" "$port"
}

fail_peer() { # NAME ADDR WHY
    {
        echo
        echo "!!! peer '$1' at $2 did not come up: $3"
        echo "!!! last lines of $RUN/$1.log:"
        tail -n 25 "$RUN/$1.log" 2>/dev/null | sed 's/^/!!!   /'
    } >&2
    bash "$HERE/stop.sh" "$RUN" >/dev/null 2>&1 || true
    die "peer '$1' at $2 ($3); the other peers were stopped"
}

echo "== starting lab peers in $RUN"

# A port already taken (a stray peer from another RUN dir, a system service)
# would make wait_port succeed against the wrong server: refuse up front.
busy=()
for a in 127.0.0.61:13389 127.0.0.62:13389 127.0.0.63:13389 127.0.0.64:13392 \
    127.0.0.64:15964 127.0.0.65:15900 127.0.0.66:15900 127.0.0.67:14242 \
    127.0.0.67:14243 127.0.0.67:14244 127.0.0.68:12222 \
    127.0.0.81:8443 127.0.0.82:8443 127.0.0.83:8443 127.0.0.84:8443 \
    127.0.0.85:8443 127.0.0.86:8443 \
    127.0.0.100:18080 127.0.0.100:18081 127.0.0.101:6081 127.0.0.101:6082 \
    127.0.0.102:8080 127.0.0.103:3128 127.0.0.104:8443 127.0.0.105:8443 \
    127.0.0.230:5432; do
    port_open "${a%:*}" "${a##*:}" && busy+=("$a")
done
[ ${#busy[@]} -eq 0 ] || die "already in use before start: ${busy[*]} (a previous lab in another RUN dir? stop it with tests/peers/stop.sh OLD_RUN)"

# ---------------------------------------------------------------- xrdp x3
# xrdp's packaged cert/key (/etc/xrdp/{cert,key}.pem -> ssl-cert snakeoil) may
# be missing on a fresh machine: always use our own self-signed pair.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=xrdp.lab.invalid" \
    -keyout "$RUN/xrdp-key.pem" -out "$RUN/xrdp-cert.pem" >/dev/null 2>&1 ||
    die "openssl could not make the xrdp certificate"
[ -r /etc/xrdp/xrdp.ini ] || die "/etc/xrdp/xrdp.ini missing: is xrdp installed?"
[ -s /etc/xrdp/rsakeys.ini ] || xrdp-keygen xrdp auto >/dev/null 2>&1 ||
    echo "warning: /etc/xrdp/rsakeys.ini missing (standard RDP security needs it)" >&2

xrdp_ini() { # LAYER ADDR -> RUN/xrdp-LAYER.ini
    # Only keys of [Globals] and [Logging] are rewritten: the module sections
    # ([Xorg], [Xvnc]...) also have port= lines that must stay as they are.
    awk -v layer="$1" -v addr="$2" -v run="$RUN" '
        /^\[/ { sect = $0 }
        sect == "[Globals]" && /^port=/           { print "port=tcp://" addr; next }
        sect == "[Globals]" && /^fork=/           { print "fork=false"; next }
        sect == "[Globals]" && /^security_layer=/ { print "security_layer=" layer; next }
        sect == "[Globals]" && /^certificate=/    { print "certificate=" run "/xrdp-cert.pem"; next }
        sect == "[Globals]" && /^key_file=/       { print "key_file=" run "/xrdp-key.pem"; next }
        sect == "[Logging]" && /^LogFile=/        { print "LogFile=" run "/xrdp-" layer ".log.xrdp"; next }
        sect == "[Logging]" && /^EnableSyslog=/   { print "EnableSyslog=false"; next }
        { print }
    ' /etc/xrdp/xrdp.ini > "$RUN/xrdp-$1.ini"
    grep -q "^port=tcp://$2\$" "$RUN/xrdp-$1.ini" || die "could not set port in xrdp-$1.ini"
}
mkdir -p /run/xrdp /var/run/xrdp 2>/dev/null || true
xrdp_ini negotiate 127.0.0.61:13389
xrdp_ini rdp       127.0.0.62:13389
xrdp_ini tls       127.0.0.63:13389
spawn xrdp-negotiate xrdp --nodaemon --config "$RUN/xrdp-negotiate.ini"
spawn xrdp-rdp       xrdp --nodaemon --config "$RUN/xrdp-rdp.ini"
spawn xrdp-tls       xrdp --nodaemon --config "$RUN/xrdp-tls.ini"

# ------------------------------------------------- Xtigervnc x3 (+ shadow)
# A stale X lock/socket from a killed server makes Xtigervnc refuse the display.
for d in 64 65 66; do
    if [ -e "/tmp/.X$d-lock" ]; then
        lp="$(tr -dc 0-9 < "/tmp/.X$d-lock")"
        if [ -z "$lp" ] || ! kill -0 "$lp" 2>/dev/null; then
            rm -f "/tmp/.X$d-lock" "/tmp/.X11-unix/X$d"
        fi
    fi
done
# Every probe that stops before authenticating counts as a security failure, and Xtigervnc
# blacklists a client after 5 of them (10 s, doubling); the suite probes more often than that.
echo pw | tigervncpasswd -f > "$RUN/vncpw"
chmod 600 "$RUN/vncpw"
spawn vnc-shadow-display Xtigervnc :64 -rfbport 15964 -interface 127.0.0.64 \
    -SecurityTypes None -geometry 640x480 -nolisten tcp -BlacklistThreshold 1000
spawn vnc-none Xtigervnc :65 -rfbport 15900 -interface 127.0.0.65 \
    -SecurityTypes None -geometry 640x480 -nolisten tcp -BlacklistThreshold 1000
spawn vnc-auth Xtigervnc :66 -rfbport 15900 -interface 127.0.0.66 \
    -SecurityTypes VncAuth -PasswordFile "$RUN/vncpw" -geometry 640x480 -nolisten tcp \
    -BlacklistThreshold 1000

# ------------------------------------------------------------ DICOM x3
orthanc_cfg() { # NAME PORT CHECK_CALLED_AET
    mkdir -p "$RUN/$1/db"
    cat > "$RUN/$1.json" <<JSON
{
  "Name": "vendor-audit lab $1",
  "StorageDirectory": "$RUN/$1/db",
  "IndexDirectory": "$RUN/$1/db",
  "DicomAet": "ORTHANC",
  "DicomPort": $2,
  "DicomCheckCalledAet": $3,
  "HttpServerEnabled": false,
  "Plugins": []
}
JSON
}
orthanc_cfg orthanc-any 14242 false
orthanc_cfg orthanc-strict 14243 true
spawn orthanc-any    Orthanc "$RUN/orthanc-any.json"
spawn orthanc-strict Orthanc "$RUN/orthanc-strict.json"
mkdir -p "$RUN/in"
spawn storescp storescp -aet STORESCP -od "$RUN/in" 14244

# ------------------------------------------------------------------- sshd
ssh-keygen -q -t ed25519 -N '' -f "$RUN/hk" <<<y >/dev/null 2>&1 || die "ssh-keygen failed"
cat > "$RUN/sshd_config" <<CFG
ListenAddress 127.0.0.68:12222
HostKey $RUN/hk
PidFile $RUN/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
CFG
mkdir -p /run/sshd
spawn sshd /usr/sbin/sshd -D -e -f "$RUN/sshd_config"

# ------------------------------- TLS: test CA, nginx x4, openssl s_server x2
# RUN/tls holds a test CA (exported as RUN/tls/ca.pem for tests) and the
# leaves. CA-signed leaves go through `openssl ca`, the only faketime-free way
# to backdate one (-startdate/-enddate): the expired leaf needs it.
# Lifetimes: the CA 3650 days and the good leaves 365 days: long enough that a
# "certificate expires within 30 days" check passes on them, and within the
# 366 days of Mozilla's intermediate profile (6.0), so that modern conforms;
# only the `expiring` leaf (10 days) and the expired one fail the expiry checks.
TLS="$RUN/tls"
rm -rf "$TLS"
mkdir -p "$TLS/newcerts"
: > "$TLS/index.txt"
echo 1000 > "$TLS/serial"
cat > "$TLS/ca.cnf" <<CNF
[ ca ]
default_ca = lab_ca
[ lab_ca ]
dir           = $TLS
database      = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial        = \$dir/serial
certificate   = \$dir/ca.pem
private_key   = \$dir/ca-key.pem
default_md    = sha256
default_days  = 365
policy        = lab_policy
unique_subject = no
copy_extensions = none
[ lab_policy ]
commonName = supplied
[ leaf_modern ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:modern.lab.test
[ leaf_legacy ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:legacy.lab.test
[ leaf_expired ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:expired.lab.test
[ leaf_expiring ]
# ECDSA: no keyEncipherment. Served by (e) under tls13.lab.test, so that name is the
# CN and first SAN (no hostname mismatch there); expiring.lab.test names what it shows.
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:tls13.lab.test,DNS:expiring.lab.test
[ leaf_forms ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:forms.lab.test
[ leaf_secure_forms ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:secure-forms.lab.test
[ leaf_weak ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:weak.lab.test
CNF
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
    -subj "/CN=vendor-audit lab test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$TLS/ca-key.pem" -out "$TLS/ca.pem" >/dev/null 2>&1 ||
    die "openssl could not make the test CA"

# ca_leaf NAME CN KEYSPEC EXT [openssl ca options...]: RUN/tls/NAME.{key,crt} for CN,
# key made by `openssl req -newkey KEYSPEC` (rsa:2048, ec -pkeyopt ...).
ca_leaf() {
    local name="$1" cn="$2" keyspec="$3" ext="$4"; shift 4
    # shellcheck disable=SC2086 # KEYSPEC may hold several words
    openssl req -new -newkey $keyspec -nodes -subj "/CN=$cn" \
        -keyout "$TLS/$name.key" -out "$TLS/$name.csr" >/dev/null 2>&1 &&
    openssl ca -batch -config "$TLS/ca.cnf" -extensions "$ext" "$@" \
        -in "$TLS/$name.csr" -out "$TLS/$name.crt" >"$TLS/$name.ca.log" 2>&1 ||
        die "openssl ca could not sign the $name leaf (see $TLS/$name.ca.log)"
}
ca_leaf modern   modern.lab.test  rsa:2048 leaf_modern  -days 365
ca_leaf legacy   legacy.lab.test  rsa:2048 leaf_legacy  -days 365
ca_leaf expired  expired.lab.test rsa:2048 leaf_expired -startdate 20200101000000Z -enddate 20210101000000Z
# (e): ECDSA P-256, valid from now for 10 days: fails "expires within 30 days".
ca_leaf expiring tls13.lab.test "ec -pkeyopt ec_paramgen_curve:P-256" leaf_expiring -days 10
# (f): RSA 1024, signed by the CA with SHA-1 (OpenSSL 3 still signs it; TLS clients at
# their default security level refuse it, which is the point).
ca_leaf weak     weak.lab.test    rsa:1024 leaf_weak    -days 365 -md sha1
# RFC 7919 ffdhe2048 for (f)'s DHE suites: a named group, so nothing to generate.
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$TLS/ffdhe2048.pem" \
    >/dev/null 2>&1 || die "openssl could not write the ffdhe2048 parameters"
# Self-signed, for other.lab.test; served at 127.0.0.84 under selfsigned.lab.test.
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -sha256 -subj "/CN=other.lab.test" \
    -addext "subjectAltName=DNS:other.lab.test" \
    -keyout "$TLS/selfsigned.key" -out "$TLS/selfsigned.crt" >/dev/null 2>&1 ||
    die "openssl could not make the self-signed leaf"

# One nginx, four servers. The modern settings are the http-level defaults;
# only the legacy server widens them. Debian 12's /etc/ssl/openssl.cnf sets no
# MinProtocol/CipherString policy, so TLS 1.0/1.1 need only @SECLEVEL=0 (which
# also lets SHA-1 handshake signatures through); there is no SSLv3 in OpenSSL 3.
nginx_conf_head "$RUN/nginx"
cat >> "$RUN/nginx/nginx.conf" <<CONF
    default_type text/plain;
    ssl_session_cache off;
    ssl_session_tickets off;
    # Mozilla intermediate-like: TLS 1.2/1.3, ECDHE with AES-GCM or ChaCha20 only.
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    ssl_prefer_server_ciphers off;
    server {   # (a) modern
        listen 127.0.0.81:8443 ssl;
        server_name modern.lab.test;
        ssl_certificate     $TLS/modern.crt;
        ssl_certificate_key $TLS/modern.key;
        location / { return 200 "modern\n"; }
    }
    server {   # (b) legacy: TLS 1.0-1.2, every suite OpenSSL still has (anonymous, static RSA)
        listen 127.0.0.82:8443 ssl;
        server_name legacy.lab.test;
        ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
        ssl_ciphers "ALL:@SECLEVEL=0";
        ssl_certificate     $TLS/legacy.crt;
        ssl_certificate_key $TLS/legacy.key;
        location / { return 200 "legacy\n"; }
    }
    server {   # (c) expired leaf (2020-01-01 .. 2021-01-01), signed by the test CA
        listen 127.0.0.83:8443 ssl;
        server_name expired.lab.test;
        ssl_certificate     $TLS/expired.crt;
        ssl_certificate_key $TLS/expired.key;
        location / { return 200 "expired\n"; }
    }
    server {   # (d) self-signed leaf for other.lab.test, served as selfsigned.lab.test
        listen 127.0.0.84:8443 ssl;
        server_name selfsigned.lab.test;
        ssl_certificate     $TLS/selfsigned.crt;
        ssl_certificate_key $TLS/selfsigned.key;
        location / { return 200 "selfsigned\n"; }
    }
}
CONF
nginx_start nginx "$RUN/nginx"

# openssl s_server for what nginx cannot show (one process per server, one
# connection at a time; -www answers "GET /" and keeps accepting after every
# handshake, failed or not: no -naccept). The trust store given with -CAfile only
# completes the chain it sends; no client certificate is asked for.
# (e) TLS 1.3 only, ECDSA P-256 leaf expiring in 10 days: a TLS <= 1.2 hello gets a
#     protocol_version alert, so only a TLS 1.3 handshake shows the certificate.
#     All five RFC 8446 suites (OpenSSL's default has three; nginx sets no 1.3 list).
spawn tls13 openssl s_server -accept 127.0.0.85:8443 -www -quiet \
    -cert "$TLS/expiring.crt" -key "$TLS/expiring.key" -CAfile "$TLS/ca.pem" -tls1_3 \
    -ciphersuites "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"
# (f) TLS 1.2 only, RSA 1024 leaf with a SHA-1 signature, server order enforced and
#     unlike a client's (DHE first, ECDHE last), DHE over RFC 7919 ffdhe2048.
spawn weak openssl s_server -accept 127.0.0.86:8443 -www -quiet \
    -cert "$TLS/weak.crt" -key "$TLS/weak.key" -CAfile "$TLS/ca.pem" -tls1_2 -serverpref \
    -dhparam "$TLS/ffdhe2048.pem" \
    -cipher "DHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-SHA:AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"

# ------------------------------------- web forms: an app, three leaking caches
# The voucher incident (seed/INCIDENTS.md) on loopback. One form app
# (tests/peers/formapp.py) in two modes; three shared caches misconfigured the
# way PEERS.md ("Shared caches that leak") reproduced, all in front of the
# LEAKY app; nginx TLS in front of the Varnish leak; a correct TLS path.
#   127.0.0.100:18080  formapp leaky   (no Cache-Control, Last-Modified, bare cookie)
#   127.0.0.100:18081  formapp correct (no-store, private; Secure HttpOnly SameSite cookie)
#   127.0.0.101:6081   Varnish: hashes GET/HEAD by URL despite Cookie, drops Set-Cookie, TTL 10m
#                      (admin CLI on 127.0.0.101:6082, secret in RUN/varnish/_.secret)
#   127.0.0.102:8080   nginx proxy_cache: valid 200 10m, ignores Cache-Control/Expires/Set-Cookie
#   127.0.0.103:3128   Squid accel: refresh_pattern . 0 20% 4320 (Last-Modified -> fresh)
#   127.0.0.104:8443   nginx TLS forms.lab.test -> the Varnish leak (no HSTS)
#   127.0.0.105:8443   nginx TLS secure-forms.lab.test -> correct app, HSTS, no cache
# Every cache keeps the edit page 10 minutes: the first visitor's entry is
# what everyone sees until then (tests must expect a page cached earlier).
ca_leaf forms        forms.lab.test        rsa:2048 leaf_forms        -days 365
ca_leaf secure-forms secure-forms.lab.test rsa:2048 leaf_secure_forms -days 365

spawn formapp-leaky   /usr/bin/python3 "$HERE/formapp.py" --listen 127.0.0.100:18080 --mode leaky
spawn formapp-correct /usr/bin/python3 "$HERE/formapp.py" --listen 127.0.0.100:18081 --mode correct

# Varnish 7.1. -j none: no privilege separation (the lab runs as root in a
# container; the unix jail would need the varnish/vcache users and their
# rights on RUN). The VCL below is the misconfiguration under test.
rm -rf "$RUN/varnish"
mkdir -p "$RUN/varnish"
cat > "$RUN/varnish/leak.vcl" <<'VCL'
vcl 4.1;

backend formapp {
    .host = "127.0.0.100";
    .port = "18080";
}

sub vcl_recv {
    # MISCONFIGURED on purpose: the built-in VCL passes a request that carries
    # a Cookie; this hashes every GET/HEAD by URL alone, so one visitor's
    # session page is served to every other visitor.
    if (req.method == "GET" || req.method == "HEAD") {
        return (hash);
    }
}

sub vcl_backend_response {
    # ...and it makes the backend's answers storable: no Set-Cookie (which the
    # built-in VCL would turn into hit-for-miss), a fixed TTL whatever the
    # backend said.
    if (!bereq.uncacheable) {
        unset beresp.http.Set-Cookie;
        set beresp.ttl = 10m;
        return (deliver);
    }
}
VCL
spawn varnish varnishd -F -j none -n "$RUN/varnish" -a 127.0.0.101:6081 -T 127.0.0.101:6082 \
    -f "$RUN/varnish/leak.vcl" -s malloc,64m -P "$RUN/varnish/varnishd.pid"

# nginx #2 (own prefix, conf, pid and cache under RUN/nginx-cache): the
# proxy_cache leak on 102, and the two TLS fronts on 104 and 105.
NC="$RUN/nginx-cache"
rm -rf "$NC"
nginx_conf_head "$NC"
cat >> "$NC/nginx.conf" <<CONF
    default_type text/plain;
    proxy_http_version 1.1;
    # (no proxy_set_header here: a location that sets one inherits none of these)
    proxy_cache_path $NC/cache levels=1:2 keys_zone=forms:2m max_size=64m inactive=20m use_temp_path=off;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;

    server {   # MISCONFIGURED on purpose: a shared cache for the leaky app
        listen 127.0.0.102:8080;
        server_name _;
        location / {
            proxy_pass http://127.0.0.100:18080;
            proxy_set_header Host \$http_host;
            proxy_set_header Connection "";
            proxy_cache forms;
            # The key is the URL (\$scheme\$proxy_host\$request_uri): no cookie in it.
            proxy_cache_valid 200 10m;
            # Store even what the backend marks no-store/private or answers with
            # a Set-Cookie. The Set-Cookie of the POST still reaches the client
            # (POST is never cached), so sessions work; a cached GET keeps its
            # Set-Cookie, which would hand one session to everyone (the app sets
            # cookies only on POST).
            proxy_ignore_headers Cache-Control Expires Set-Cookie;
            add_header X-Cache-Status \$upstream_cache_status always;
        }
    }

    server {   # https form behind the Varnish leak, no HSTS
        listen 127.0.0.104:8443 ssl;
        server_name forms.lab.test;
        ssl_certificate     $TLS/forms.crt;
        ssl_certificate_key $TLS/forms.key;
        location / {
            # The client's Host (forms.lab.test:8443) goes on to Varnish, whose
            # key is URL + Host: this path has its own cached objects, apart
            # from those of clients that talk to 127.0.0.101:6081 directly.
            proxy_pass http://127.0.0.101:6081;
            proxy_set_header Host \$http_host;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-Proto https;
        }
    }

    server {   # the correct path: no cache anywhere, HSTS, secure cookies (from the app)
        listen 127.0.0.105:8443 ssl;
        server_name secure-forms.lab.test;
        ssl_certificate     $TLS/secure-forms.crt;
        ssl_certificate_key $TLS/secure-forms.key;
        add_header Strict-Transport-Security "max-age=63072000" always;
        location / {
            proxy_pass http://127.0.0.100:18081;
            proxy_set_header Host \$http_host;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-Proto https;
        }
    }
}
CONF
nginx_start nginx-cache "$NC"

# squid_accel NAME LISTEN SITE ORIGIN_HOST ORIGIN_PORT: a Squid 5.7 reverse proxy
# (accel) in RUN/NAME, memory cache only (no cache_dir: nothing to initialise
# with -z), -N: one foreground process, in front of the origin. It keeps Debian's
# default `refresh_pattern . 0 20% 4320`: a page with only Last-Modified is fresh
# for 20% of its age, at most 3 days. It drops to the proxy user, so its folder
# is proxy's, and the proxy user must be able to reach it: a RUN made by
# mktemp -d is 0700, so let others traverse it (not list it).
squid_accel() {
    local name="$1" listen="$2" site="$3" origin_host="$4" origin_port="$5"
    local dir="$RUN/$name"
    rm -rf "$dir"
    mkdir -p "$dir"
    cat > "$dir/squid.conf" <<CONF
http_port $listen accel defaultsite=$site no-vhost
cache_peer $origin_host parent $origin_port 0 no-query no-digest originserver name=origin
cache_peer_access origin allow all
never_direct allow all
acl lab src 127.0.0.0/8
http_access allow lab
http_access deny all
icp_port 0
htcp_port 0
pinger_enable off
cache_mem 32 MB
maximum_object_size_in_memory 1 MB
refresh_pattern . 0 20% 4320
visible_hostname $name.lab.test
pid_filename $dir/squid.pid
cache_log $dir/cache.log
access_log stdio:$dir/access.log
cache_store_log none
coredump_dir $dir
shutdown_lifetime 1 seconds
CONF
    chown -R proxy:proxy "$dir"
    chmod o+x "$RUN"
    squid -k parse -f "$dir/squid.conf" >"$RUN/$name.log" 2>&1 ||
        { tail -n 20 "$RUN/$name.log" >&2; die "squid rejects $dir/squid.conf"; }
    spawn "$name" squid -N -f "$dir/squid.conf"
}

# MISCONFIGURED on purpose (with Debian's default refresh_pattern): the leaky app's
# edit page carries only Last-Modified, so Squid keeps it for everyone.
squid_accel squid 127.0.0.103:3128 forms.lab.test 127.0.0.100 18080

# ------------------- issue 10, part 4: shared caches with their DEFAULT behaviour
# Storability as caches really behave (RFC 9111 §3; issue 10 section 4): a second
# form app serves /case/NAME pages with one header set each (tests/peers/formapp.py
# CASES), behind three caches configured as shipped, none misconfigured:
#   127.0.0.140:18080  formapp (its /case/NAME pages; the rest as the leaky app)
#   127.0.0.141:6081   Varnish 7.1, builtin VCL only (a backend, nothing else);
#                      admin CLI on 127.0.0.141:6082; varnishlog -n RUN/varnish-defaults
#   127.0.0.142:8080   nginx proxy_cache, proxy_cache_valid 200 10m, no
#                      proxy_ignore_headers; X-Cache-Status: $upstream_cache_status
#   127.0.0.143:3128   Squid 5.7 accel, Debian's refresh_pattern . 0 20% 4320
# tests/cache_rules_lab.rs shows which of them store and serve which page.
for a in 127.0.0.140:18080 127.0.0.141:6081 127.0.0.141:6082 127.0.0.142:8080 127.0.0.143:3128; do
    port_open "${a%:*}" "${a##*:}" && die "already in use before start: $a"
done
spawn formapp-cases /usr/bin/python3 "$HERE/formapp.py" --listen 127.0.0.140:18080 --mode leaky

VD="$RUN/varnish-defaults"
rm -rf "$VD"
mkdir -p "$VD"
cat > "$VD/default.vcl" <<'VCL'
vcl 4.1;

# Nothing but a backend: every request goes through Varnish's builtin VCL.
backend default {
    .host = "127.0.0.140";
    .port = "18080";
}
VCL
spawn varnish-defaults varnishd -F -j none -n "$VD" -a 127.0.0.141:6081 -T 127.0.0.141:6082 \
    -f "$VD/default.vcl" -s malloc,32m -P "$VD/varnishd.pid"

ND="$RUN/nginx-defaults"
rm -rf "$ND"
nginx_conf_head "$ND"
cat >> "$ND/nginx.conf" <<CONF
    proxy_cache_path $ND/cache levels=1:2 keys_zone=defaults:2m max_size=64m inactive=20m use_temp_path=off;
    server {
        listen 127.0.0.142:8080;
        server_name _;
        location / {
            proxy_pass http://127.0.0.140:18080;
            proxy_cache defaults;
            proxy_cache_valid 200 10m;
            add_header X-Cache-Status \$upstream_cache_status;
        }
    }
}
CONF
nginx_start nginx-defaults "$ND"

# Squid as shipped, in front of the cases app.
squid_accel squid-defaults 127.0.0.143:3128 cases.lab.test 127.0.0.140 18080

# ----------------------- issue 10 part 3: Orthanc REST API (dicom-web-exposed)
# Two Orthanc web servers, RemoteAccessAllowed true: authentication off (GET /system
# answers its JSON to anyone) and on (401, realm "Orthanc Secure Area"); and an nginx
# terminating TLS in front of the open one (https), which also serves it on plain 8042 with
# the redirect of / replaced (no trace of Orthanc but /system). Orthanc's own TLS (SslEnabled)
# crashes Debian's 1.10 (civetweb segfault on the first handshake), so TLS is nginx's.
# Orthanc binds every interface: its addresses in tests/common/mod.rs only name it.
for a in 127.0.0.130:18042 127.0.0.131:18043 127.0.0.132:18044 127.0.0.132:8042; do
    port_open "${a%:*}" "${a##*:}" && die "already in use before start: $a"
done
orthanc_rest_cfg() { # NAME HTTP_PORT DICOM_PORT AUTH
    mkdir -p "$RUN/$1/db"
    cat > "$RUN/$1.json" <<JSON
{
  "Name": "vendor-audit lab $1",
  "StorageDirectory": "$RUN/$1/db",
  "IndexDirectory": "$RUN/$1/db",
  "DicomAet": "LABPACS",
  "DicomPort": $3,
  "HttpServerEnabled": true,
  "HttpPort": $2,
  "RemoteAccessAllowed": true,
  "AuthenticationEnabled": $4,
  "RegisteredUsers": { "labuser": "labpass" },
  "Plugins": []
}
JSON
}
orthanc_rest_cfg orthanc-rest-open 18042 14245 false
orthanc_rest_cfg orthanc-rest-auth 18043 14246 true
spawn orthanc-rest-open Orthanc "$RUN/orthanc-rest-open.json"
spawn orthanc-rest-auth Orthanc "$RUN/orthanc-rest-auth.json"
OT="$RUN/orthanc-tls"
mkdir -p "$OT/logs" "$OT/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=pacs-web.lab.test" \
    -keyout "$OT/tls.key" -out "$OT/tls.crt" >/dev/null 2>&1 ||
    die "openssl could not make the Orthanc proxy's certificate"
nginx_conf_head "$OT"
cat >> "$OT/nginx.conf" <<CONF
    server {
        listen 127.0.0.132:18044 ssl;
        server_name pacs-web.lab.test;
        ssl_certificate     $OT/tls.crt;
        ssl_certificate_key $OT/tls.key;
        location / { proxy_pass http://127.0.0.130:18042; }
    }
    server {   # Orthanc's own port, its redirect of / hidden: only GET /system shows Orthanc
        listen 127.0.0.132:8042;
        location = / { return 302 /portal/; }
        location / { proxy_pass http://127.0.0.130:18042; }
    }
}
CONF
nginx_start orthanc-tls "$OT"

# ------------------- issue 10 (5. TLS): weak DH, not yet valid, 64 KiB, IPv6
# One nginx of its own (prefix RUN/nginx-i10tls), leaves from the lab CA above:
#   127.0.0.151:8443  dh1024.lab.test   TLS 1.2 DHE only, ssl_dhparam of 1024 bits
#   127.0.0.152:8443  dh2048.lab.test   TLS 1.2 DHE only, ssl_dhparam RFC 7919 ffdhe2048
#   127.0.0.153:8443  notyet.lab.test   leaf valid from 7 days after lab start
#   127.0.0.154:8443  big.lab.test      a leaf of about 200 KB (7400 SANs, big.lab.test among them)
#   [::1]:9443        ::1               an IPv6 listener, leaf for IP ::1 and v6.lab.test
# and gnutls-serv (it binds every address: only its port is ours), reached at
#   127.0.0.155:9449  dh1024.lab.test   DHE with RFC 7919 groups for a client that offers them
#                                       (ffdhe2048) and the 1024-bit ssl_dhparam for one that does not
for a in 127.0.0.151:8443 127.0.0.152:8443 127.0.0.153:8443 127.0.0.154:8443 ::1:9443 \
    127.0.0.155:9449; do
    ! port_open "${a%:*}" "${a##*:}" || fail_peer nginx-i10tls "$a" "already in use before start"
done
# i10_ext SECTION SAN: a server-leaf extension section of ca.cnf.
i10_ext() {
    printf '[ %s ]\nbasicConstraints = critical,CA:FALSE\n' "$1"
    printf 'keyUsage = critical,digitalSignature,keyEncipherment\n'
    printf 'extendedKeyUsage = serverAuth\nsubjectAltName = %s\n' "$2"
}
{
    i10_ext leaf_i10_dh1024 DNS:dh1024.lab.test
    i10_ext leaf_i10_dh2048 DNS:dh2048.lab.test
    i10_ext leaf_i10_notyet DNS:notyet.lab.test
    i10_ext leaf_i10_v6     IP:0:0:0:0:0:0:0:1,DNS:v6.lab.test
    i10_ext leaf_i10_big    @i10_big_names
    echo "[ i10_big_names ]"
} >> "$TLS/ca.cnf"
{
    # big.lab.test in the middle, so a matcher that stops early would miss it.
    for i in $(seq 1 3700); do echo "DNS.$i = n$(printf %05d "$i").big-names.lab.test"; done
    echo "DNS.3701 = big.lab.test"
    for i in $(seq 3702 7400); do echo "DNS.$i = n$(printf %05d "$i").big-names.lab.test"; done
} >> "$TLS/ca.cnf"
ca_leaf dh1024 dh1024.lab.test rsa:2048 leaf_i10_dh1024 -days 365
ca_leaf dh2048 dh2048.lab.test rsa:2048 leaf_i10_dh2048 -days 365
# Not yet valid: from 7 days after now, for 365 days (so only the start date is wrong).
ca_leaf notyet notyet.lab.test rsa:2048 leaf_i10_notyet \
    -startdate "$(date -u -d '+7 days' +%Y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d '+372 days' +%Y%m%d%H%M%SZ)"
ca_leaf v6 v6.lab.test rsa:2048 leaf_i10_v6 -days 365
ca_leaf big big.lab.test rsa:2048 leaf_i10_big -days 365
openssl dhparam -out "$TLS/dh1024.pem" 1024 >/dev/null 2>&1 ||
    die "openssl could not make 1024-bit DH parameters"
nginx_conf_head "$RUN/nginx-i10tls"
cat >> "$RUN/nginx-i10tls/nginx.conf" <<CONF
    default_type text/plain;
    ssl_session_cache off;
    ssl_session_tickets off;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    ssl_prefer_server_ciphers off;
    server {   # DHE with a 1024-bit group (Logjam-era); SECLEVEL=0 lets OpenSSL 3 use it
        listen 127.0.0.151:8443 ssl;
        server_name dh1024.lab.test;
        ssl_protocols TLSv1.2;
        ssl_ciphers "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0";
        ssl_dhparam $TLS/dh1024.pem;
        ssl_certificate     $TLS/dh1024.crt;
        ssl_certificate_key $TLS/dh1024.key;
        location / { return 200 "dh1024\n"; }
    }
    server {   # DHE with RFC 7919 ffdhe2048 (what Mozilla intermediate asks for)
        listen 127.0.0.152:8443 ssl;
        server_name dh2048.lab.test;
        ssl_protocols TLSv1.2;
        ssl_ciphers "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
        ssl_dhparam $TLS/ffdhe2048.pem;
        ssl_certificate     $TLS/dh2048.crt;
        ssl_certificate_key $TLS/dh2048.key;
        location / { return 200 "dh2048\n"; }
    }
    server {   # leaf valid only from 7 days after lab start
        listen 127.0.0.153:8443 ssl;
        server_name notyet.lab.test;
        ssl_certificate     $TLS/notyet.crt;
        ssl_certificate_key $TLS/notyet.key;
        location / { return 200 "notyet\n"; }
    }
    server {   # a leaf over 64 KiB
        listen 127.0.0.154:8443 ssl;
        server_name big.lab.test;
        ssl_certificate     $TLS/big.crt;
        ssl_certificate_key $TLS/big.key;
        location / { return 200 "big\n"; }
    }
    server {   # IPv6 loopback
        listen [::1]:9443 ssl;
        ssl_certificate     $TLS/v6.crt;
        ssl_certificate_key $TLS/v6.key;
        location / { return 200 "v6\n"; }
    }
}
CONF
nginx_start nginx-i10tls "$RUN/nginx-i10tls"
# GnuTLS 3.7 uses --dhparams only for a client whose supported_groups names no RFC 7919
# group: sslscan sees DHE 1024, a hello offering ffdhe2048 gets ffdhe2048.
spawn gnutls-i10tls gnutls-serv --http --port 9449 \
    --x509certfile "$TLS/dh1024.crt" --x509keyfile "$TLS/dh1024.key" --dhparams "$TLS/dh1024.pem" \
    --priority "NORMAL:-VERS-TLS1.3:+DHE-RSA:-ECDHE-RSA:-ECDHE-ECDSA:-RSA"

# --------------------------------------------------------------- readiness
wait_port xrdp-negotiate     127.0.0.61 13389
wait_port xrdp-rdp           127.0.0.62 13389
wait_port xrdp-tls           127.0.0.63 13389
wait_port vnc-shadow-display 127.0.0.64 15964
# The shadow server needs display :64 to exist, so it starts only now.
winpr-hash -u labuser -p labpass -f sam > "$RUN/sam" || die "winpr-hash failed"
mkdir -p "$RUN/home"
HOME="$RUN/home" DISPLAY=:64 spawn freerdp-shadow freerdp-shadow-cli \
    /bind-address:127.0.0.64 /port:13392 /sec:nla +auth /sam-file:"$RUN/sam"
wait_port vnc-none           127.0.0.65 15900
wait_port vnc-auth           127.0.0.66 15900
wait_port orthanc-any        127.0.0.67 14242
wait_port orthanc-strict     127.0.0.67 14243
wait_port storescp           127.0.0.67 14244
wait_port sshd               127.0.0.68 12222
wait_port freerdp-shadow     127.0.0.64 13392
wait_port nginx              127.0.0.81 8443
wait_port nginx              127.0.0.82 8443
wait_port nginx              127.0.0.83 8443
wait_port nginx              127.0.0.84 8443
wait_port tls13              127.0.0.85 8443
wait_port weak               127.0.0.86 8443
wait_port formapp-leaky      127.0.0.100 18080
wait_port formapp-correct    127.0.0.100 18081
wait_port varnish            127.0.0.101 6081
wait_port nginx-cache        127.0.0.102 8080
wait_port squid              127.0.0.103 3128
# An open port is not yet a forwarding Squid: once (CI, 2026-11-27) its first
# request, a POST 3 s after start, got 502 with no peer chosen (HIER_NONE).
# Wait until a POST really reaches the app through it (303 from /apply/confirm).
squid_forwards() {
    python3 - <<'PY'
import http.client, sys
try:
    c = http.client.HTTPConnection("127.0.0.103", 3128, timeout=2)
    c.request("POST", "/apply/confirm", body="name=lab-readiness",
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    sys.exit(0 if c.getresponse().status == 303 else 1)
except OSError:
    sys.exit(1)
PY
}
deadline=$(( $(date +%s) + PEER_TIMEOUT ))
until squid_forwards; do
    [ "$(date +%s)" -lt "$deadline" ] ||
        fail_peer squid 127.0.0.103:3128 "does not forward a POST to the form app after ${PEER_TIMEOUT}s"
    sleep 0.2
done
wait_port nginx-cache        127.0.0.104 8443
wait_port nginx-cache        127.0.0.105 8443
wait_port orthanc-rest-open  127.0.0.130 18042
wait_port orthanc-rest-auth  127.0.0.131 18043
wait_port orthanc-tls        127.0.0.132 18044
wait_port orthanc-tls        127.0.0.132 8042
wait_port nginx-i10tls        127.0.0.151 8443
wait_port nginx-i10tls        127.0.0.152 8443
wait_port nginx-i10tls        127.0.0.153 8443
wait_port nginx-i10tls        127.0.0.154 8443
wait_port nginx-i10tls        ::1 9443
wait_port gnutls-i10tls       127.0.0.155 9449

# issue 10, part 4: the default caches. Squid answers 502 for a moment after its
# port opens: wait until a GET really reaches the app (the no-store case is never stored).
wait_port formapp-cases      127.0.0.140 18080
wait_port varnish-defaults   127.0.0.141 6081
wait_port nginx-defaults     127.0.0.142 8080
wait_port squid-defaults     127.0.0.143 3128
deadline=$(( $(date +%s) + PEER_TIMEOUT ))
until [ "$(python3 -c 'import http.client as h
c = h.HTTPConnection("127.0.0.143", 3128, timeout=2)
c.request("GET", "/case/no-store")
print(c.getresponse().status)' 2>/dev/null)" = 200 ]; do
    [ "$(date +%s)" -lt "$deadline" ] ||
        fail_peer squid-defaults 127.0.0.143:3128 "does not forward a GET to the form app after ${PEER_TIMEOUT}s"
    sleep 0.2
done

# issue 14: PostgreSQL for the history (a cluster of its own in RUN/postgres, 127.0.0.230:5432,
# database vendor_audit; its URL in RUN/postgres.url). Its PID joins RUN/pids like every peer's.
bash "$HERE/postgres.sh" "$RUN" || fail_peer postgres 127.0.0.230:5432 "tests/peers/postgres.sh failed"

# Every peer must still be alive (one that died after binding, or whose port
# someone else answered, is not a usable peer).
while read -r pid name; do
    kill -0 "$pid" 2>/dev/null || fail_peer "$name" "-" "process $pid exited after start"
done < "$RUN/pids"
echo "== lab up: $(wc -l < "$RUN/pids") peers, PIDs in $RUN/pids"
