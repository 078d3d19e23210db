#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (needs root and apt).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium
