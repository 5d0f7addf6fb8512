#!/bin/sh
# Renders nginx.conf.template into an nginx.conf from environment variables.
# The Docker image runs this from /docker-entrypoint.d/ and the tests run this
# same file, so both get byte-identical output for the same environment.
#
# Usage: render.sh [TEMPLATE] [OUTPUT]   (defaults: the image's paths)
set -eu

template="${1:-/etc/nginx/ds-proxy/nginx.conf.template}"
output="${2:-/etc/nginx/nginx.conf}"

fail() {
    echo "render.sh: $*" >&2
    exit 1
}

# Defaults for everything but the origin, which has no sensible default.
: "${ORIGIN_HOST:?set ORIGIN_HOST to the Worker's host, e.g. durable-streams.example.workers.dev}"
: "${ORIGIN_SCHEME:=https}"
: "${SERVER_NAME:=_}"
: "${LISTEN_ADDRESS:=0.0.0.0}"
: "${LISTEN_PORT:=8080}"
: "${RESOLVER:=1.1.1.1 1.0.0.1}"
: "${RESOLVER_IPV6:=off}"
: "${RESOLVER_VALID:=30s}"
: "${ORIGIN_CA_FILE:=/etc/ssl/certs/ca-certificates.crt}"
: "${ACCESS_LOG:=/var/log/nginx/access.log}"
: "${TEMP_DIR:=/var/cache/nginx}"

# Values land inside nginx directives: refuse anything that could end a
# directive or smuggle a variable (; { } $ quotes), with a message that says what to fix.
check() {
    printf '%s' "$2" | grep -Eqx "$3" || fail "$1='$2' is not valid ($4)"
}
check ORIGIN_HOST "$ORIGIN_HOST" '([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?' 'a host name or IP, optionally :port'
check ORIGIN_SCHEME "$ORIGIN_SCHEME" 'https?' 'http or https'
check SERVER_NAME "$SERVER_NAME" '[A-Za-z0-9.*_~ -]+' 'nginx server_name values separated by spaces'
check LISTEN_ADDRESS "$LISTEN_ADDRESS" '[0-9.]+|\[[0-9A-Fa-f:.]+\]' 'an IPv4 address or a bracketed IPv6 address'
check LISTEN_PORT "$LISTEN_PORT" '[0-9]{1,5}' 'a TCP port number'
check RESOLVER "$RESOLVER" '[][A-Za-z0-9.: -]+' 'resolver addresses separated by spaces'
check RESOLVER_IPV6 "$RESOLVER_IPV6" 'on|off' 'on or off'
check RESOLVER_VALID "$RESOLVER_VALID" '[0-9]+(ms|s|m|h)?' 'an nginx time, e.g. 30s'
check ORIGIN_CA_FILE "$ORIGIN_CA_FILE" '[A-Za-z0-9._/+-]+' 'a file path'
check ACCESS_LOG "$ACCESS_LOG" '[A-Za-z0-9._/+-]+' 'a file path or off'
check TEMP_DIR "$TEMP_DIR" '/[A-Za-z0-9._/+-]*' 'an absolute directory path'

export ORIGIN_HOST ORIGIN_SCHEME SERVER_NAME LISTEN_ADDRESS LISTEN_PORT RESOLVER \
    RESOLVER_IPV6 RESOLVER_VALID ORIGIN_CA_FILE ACCESS_LOG TEMP_DIR

# Like the image's 20-envsubst-on-templates.sh, envsubst gets an explicit list
# of names; ours is fixed rather than "every defined variable", so nginx's own
# $host, $uri, ... stay intact whatever the environment holds.
vars='${ORIGIN_HOST} ${ORIGIN_SCHEME} ${SERVER_NAME} ${LISTEN_ADDRESS} ${LISTEN_PORT}'
vars="$vars"' ${RESOLVER} ${RESOLVER_IPV6} ${RESOLVER_VALID} ${ORIGIN_CA_FILE} ${ACCESS_LOG}'
vars="$vars"' ${TEMP_DIR}'

[ -r "$template" ] || fail "cannot read template $template"
tmp="$output.tmp.$$"
envsubst "$vars" <"$template" >"$tmp" || fail "envsubst failed"
mv "$tmp" "$output"
echo "render.sh: rendered $template to $output (origin $ORIGIN_SCHEME://$ORIGIN_HOST)" >&2
