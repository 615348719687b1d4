#!/bin/sh
# Installs every build, test and run dependency from Debian's archive, by package name.
# Idempotent: only missing packages are installed. Needs root (or sudo) on a fresh machine.
set -e
PKGS="build-essential cmake pkg-config nlohmann-json3-dev libeigen3-dev libcli11-dev libzip-dev \
  liblbfgspp-dev libgtest-dev libgmock-dev googletest libbenchmark-dev gnuplot-nox \
  python3 python3-pandas python3-numpy python3-matplotlib unzip ccache"
if [ -n "$SYNETUNE_WITH_SLURM" ]; then
  PKGS="$PKGS slurmctld slurmd slurm-client munge"
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing:$missing"
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
