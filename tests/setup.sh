#!/bin/sh
# Installs the Debian packages the tests use, when any is missing: static busybox for test roots,
# the distribution registry, openssl for test certificates, zstd for compressed test layers,
# containerd (and its runc shim) and dockerd (docker.io) to drive mydocker's OCI runtime, and a
# C compiler with a static libc for the seccomp probe.
set -e
missing=""
[ -x /bin/busybox ] || missing="$missing busybox-static"
command -v docker-registry >/dev/null 2>&1 || missing="$missing docker-registry"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v zstd >/dev/null 2>&1 || missing="$missing zstd"
command -v containerd >/dev/null 2>&1 || missing="$missing containerd"
command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
command -v cc >/dev/null 2>&1 || missing="$missing gcc"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/aarch64-linux-gnu/libc.a ] ||
  missing="$missing libc6-dev"
if [ -n "$missing" ]; then
  echo "Installing test dependencies:$missing" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
fi
# What `./mydocker run` starts from when it is fresh (see run_main.ts): the tests run what users run.
deno task --quiet bundle
