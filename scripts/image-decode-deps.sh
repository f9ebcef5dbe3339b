#!/usr/bin/env bash
# Debian packages for image decoding (issue 12): libheif for the `heif` feature (on in `cli`),
# and the encoders the format tests use to make HEIC/AVIF (heif-enc) and arithmetic-coded or
# scripted progressive JPEGs (cjpeg) at test time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh pkg-config libheif-dev:/usr/include/libheif/heif.h \
  libheif-examples:heif-enc libjpeg-turbo-progs:cjpeg
