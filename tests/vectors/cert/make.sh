#!/usr/bin/env bash
# Made once with OpenSSL 3.0 (`bash make.sh` in this folder) and committed: certificates that
# rcgen with ring cannot make (ring signs neither with SHA-1 nor with RSA keys under 2048 bits).
# The unit tests of src/certificate/ read them and pass their own `now`, so the validity
# windows (100 years from the day they were made, 2026-11) never make them go stale. Test keys only.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
days() { echo "-days 36500"; }
cat > "$tmp/ext.cnf" <<CNF
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:\$ENV::SAN
CNF
# rsa2048.key, rsa2048-ca.key: PKCS#8, read by the unit tests through rcgen to make RSA-2048
# certificates (a leaf key and a CA key).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048-ca.key
chmod 644 rsa2048.key rsa2048-ca.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$tmp/rsa1024.key"
# The CA keys are thrown away: nothing needs to sign with them again.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/root.key"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/inter.key"
# root.pem: self-signed CA, SHA-1 signature (a root's own signature is not judged).
openssl req -new -key "$tmp/root.key" -subj "/CN=vectors root/O=vendor-audit tests" -out "$tmp/root.csr"
SAN=unused openssl x509 -req -in "$tmp/root.csr" -signkey "$tmp/root.key" -sha1 $(days) \
    -extfile "$tmp/ext.cnf" -extensions ca -set_serial 0x01 -out root.pem
# inter-sha1.pem: intermediate CA signed by root with SHA-1.
openssl req -new -key "$tmp/inter.key" -subj "/CN=vectors intermediate/O=vendor-audit tests" -out "$tmp/inter.csr"
SAN=unused openssl x509 -req -in "$tmp/inter.csr" -CA root.pem -CAkey "$tmp/root.key" -sha1 $(days) \
    -extfile "$tmp/ext.cnf" -extensions ca -set_serial 0x02 -out inter-sha1.pem
# leaf-rsa1024.pem: RSA-1024 leaf for weak.vectors.test, signed by root with SHA-256.
openssl req -new -key "$tmp/rsa1024.key" -subj "/CN=weak.vectors.test" -out "$tmp/weak.csr"
SAN=weak.vectors.test openssl x509 -req -in "$tmp/weak.csr" -CA root.pem -CAkey "$tmp/root.key" -sha256 $(days) \
    -extfile "$tmp/ext.cnf" -extensions leaf -set_serial 0x1003 -out leaf-rsa1024.pem
# leaf-sha1.pem: RSA-2048 leaf for sha1.vectors.test, signed by root with SHA-1.
openssl req -new -key rsa2048.key -subj "/CN=sha1.vectors.test" -out "$tmp/sha1.csr"
SAN=sha1.vectors.test openssl x509 -req -in "$tmp/sha1.csr" -CA root.pem -CAkey "$tmp/root.key" -sha1 $(days) \
    -extfile "$tmp/ext.cnf" -extensions leaf -set_serial 0x1004 -out leaf-sha1.pem
# leaf-via-inter.pem: RSA-2048 leaf for inter.vectors.test, signed by the SHA-1 intermediate
# with SHA-256.
openssl req -new -key rsa2048.key -subj "/CN=inter.vectors.test" -out "$tmp/via.csr"
SAN=inter.vectors.test openssl x509 -req -in "$tmp/via.csr" -CA inter-sha1.pem -CAkey "$tmp/inter.key" -sha256 $(days) \
    -extfile "$tmp/ext.cnf" -extensions leaf -set_serial 0x1005 -out leaf-via-inter.pem
